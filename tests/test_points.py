"""User points: what the one parser reads, what it refuses with which message, its limits, and how points are fitted to the view."""
import numpy as np
import pytest

from gancore.points import (MAX_BYTES, MAX_MEGABYTES, MAX_POINTS, MIN_POINTS, PointsError, check_count, normalise,
                            parse_points, read_points_file)

SQUARE = [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0]]


def refused(data: bytes | str) -> str:
    with pytest.raises(PointsError) as err:
        parse_points(data)
    return str(err.value)


def test_the_limits():
    assert (MAX_BYTES, MAX_MEGABYTES, MAX_POINTS, MIN_POINTS) == (2_000_000, 2, 20_000, 3)
    assert issubclass(PointsError, ValueError)


# What is read

def test_plain_comma_separated_numbers():
    points = parse_points(b"0,0\n1,0\n1,1\n")
    assert points.dtype == np.float64 and points.shape == (3, 2)
    np.testing.assert_array_equal(points, SQUARE)


def test_text_is_read_like_bytes():
    np.testing.assert_array_equal(parse_points("x,y\n0,0\n1,0\n1,1\n"), SQUARE)
    assert refused("0,0\n1,zwei\n1,1\n") == "line 2: 'zwei' is not a number"


def test_header_row_is_skipped():
    np.testing.assert_array_equal(parse_points(b"x,y\n0,0\n1,0\n1,1\n"), SQUARE)


def test_without_a_header_the_first_row_is_data():
    assert len(parse_points(b"5,6\n0,0\n1,0\n1,1\n")) == 4


def test_only_the_first_row_may_be_a_header():
    assert refused(b"x,y\nlon,lat\n0,0\n1,0\n1,1\n") == "line 2: 'lon' is not a number"


def test_a_first_row_mixing_names_and_numbers_is_data_and_refused():
    assert refused(b"x,1\n0,0\n1,0\n1,1\n") == "line 1: 'x' is not a number"


def test_semicolons_and_windows_line_endings():
    np.testing.assert_array_equal(parse_points(b"x;y\r\n0;0\r\n1;0\r\n1;1\r\n"), SQUARE)


def test_old_mac_line_endings():
    np.testing.assert_array_equal(parse_points(b"0,0\r1,0\r1,1\r"), SQUARE)


def test_decimal_commas_are_refused_rather_than_misread():
    assert refused(b"0,5;1\n1;0\n1;1\n") == "line 1: '0,5' is not a number"


def test_tabs():
    np.testing.assert_array_equal(parse_points(b"x\ty\n0\t0\n1\t0\n1\t1\n"), SQUARE)


def test_whitespace_and_blank_lines():
    np.testing.assert_array_equal(parse_points(b"\n  0   0\n\n1 0\n 1  1  \n\n"), SQUARE)


def test_numbers_in_every_usual_notation():
    points = parse_points(b"-1.5,+2\n.5,1e3\n3.,-2.5E-2\n")
    np.testing.assert_array_equal(points, [[-1.5, 2.0], [0.5, 1000.0], [3.0, -0.025]])


def test_quoted_numbers_and_names():
    np.testing.assert_array_equal(parse_points(b'"x","y"\n"0","0"\n1,0\n1,1\n'), SQUARE)


def test_utf8_byte_order_mark_is_allowed():
    np.testing.assert_array_equal(parse_points(b"\xef\xbb\xbfx,y\n0,0\n1,0\n1,1\n"), SQUARE)
    np.testing.assert_array_equal(parse_points("\ufeffx,y\n0,0\n1,0\n1,1\n"), SQUARE)


def test_non_ascii_header_names():
    np.testing.assert_array_equal(parse_points("横坐标,纵坐标\n0,0\n1,0\n1,1\n".encode()), SQUARE)


# What is refused, and where

@pytest.mark.parametrize("data", [b"", b"\n\n  \n", b"\xef\xbb\xbf", ""])
def test_empty_file(data):
    assert refused(data) == "the file is empty"


def test_binary_with_nul_bytes():
    assert "not a text CSV file" in refused(b"PK\x03\x04\x00\x00binary")


def test_bytes_that_are_not_utf8():
    assert "not a text CSV file" in refused(b"x,y\n0,0\n\xff\xfe,1\n1,1\n")


def test_pickles_are_refused_as_not_text():
    import pickle
    assert "not a text CSV file" in refused(pickle.dumps([[0, 0], [1, 0], [1, 1]]))


def test_python_expressions_are_not_numbers():
    assert refused(b"0,0\n1,__import__('os')\n1,1\n") == "line 2: \"__import__('os')\" is not a number"
    assert refused(b"0,0\n1,2*3\n1,1\n") == "line 2: '2*3' is not a number"


@pytest.mark.parametrize("cell", ["1_000", "0x10", "١٢"])
def test_what_python_float_would_take_is_still_refused(cell):
    assert refused(f"0,0\n1,0\n{cell},1\n".encode()) == f"line 3: '{cell}' is not a number"


def test_one_column():
    assert refused(b"x\n0\n1\n2\n") == "line 1: needs two columns (x, y), found 1"
    assert refused(b"0\n1\n2\n") == "line 1: needs two columns (x, y), found 1"


def test_a_third_column_is_refused():
    assert refused(b"0,0\n1,0\n1,1,7\n") == "line 3: needs two columns (x, y), found 3"
    assert refused(b"x,y,label\n0,0,a\n1,0,b\n1,1,c\n") == "line 1: needs two columns (x, y), found 3"


def test_text_in_a_numeric_cell_names_the_line():
    assert refused(b"x,y\n0,0\n\n1,abc\n1,1\n") == "line 4: 'abc' is not a number"


def test_line_numbers_count_blank_lines_and_the_header():
    assert refused(b"\nx,y\n\n0,0\n1,0\n\n\n1,abc\n") == "line 8: 'abc' is not a number"


def test_empty_cell_names_the_line():
    assert refused(b"0,0\n1,,0\n1,1\n") == "line 2: needs two columns (x, y), found 3"
    assert refused(b"0,0\n,0\n1,1\n") == "line 2: an empty cell is not a number"


@pytest.mark.parametrize("cell", ["nan", "NaN", "inf", "-inf", "Infinity", "1e999"])
def test_not_finite_names_the_line(cell):
    message = refused(f"0,0\n1,0\n{cell},1\n".encode())
    assert message.startswith(f"line 3: '{cell}' is not a finite number")


# The limits

def test_two_points_are_too_few():
    assert refused(b"x,y\n0,0\n1,1\n") == "needs at least 3 points, found 2"
    assert len(parse_points(b"x,y\n0,0\n1,1\n2,2\n")) == MIN_POINTS


def test_the_point_limit():
    rows = "\n".join(f"{i},{i}" for i in range(MAX_POINTS + 1)).encode()
    assert len(rows) < MAX_BYTES
    assert refused(rows) == "has 20,001 points, more than the limit of 20,000"
    assert len(parse_points("\n".join(f"{i},{i}" for i in range(MAX_POINTS)).encode())) == MAX_POINTS


def test_the_header_does_not_count_as_a_point():
    rows = "x,y\n" + "\n".join(f"{i},{i}" for i in range(MAX_POINTS))
    assert len(parse_points(rows)) == MAX_POINTS


def test_the_size_limit():
    data = b"0,0\n" * (MAX_BYTES // 4 + 1)
    assert refused(data) == f"the file is {len(data):,} bytes; the limit is 2,000,000 bytes (2 MB)"
    assert refused(data.decode()).startswith("the file is 2,000,004 bytes")
    padded = b"0,0\n1,0\n1,1\n".ljust(MAX_BYTES, b"\n")       # exactly at the limit: read
    np.testing.assert_array_equal(parse_points(padded), SQUARE)


def test_the_size_of_text_is_counted_in_utf8_bytes():
    header = "横," * (MAX_BYTES // 3) + "纵\n"     # 2/3 of the limit in characters, 4/3 in bytes
    assert len(header) < MAX_BYTES < len(header.encode())
    assert refused(header + "0,0\n1,0\n1,1\n").startswith("the file is ")


@pytest.mark.parametrize("n, message", [(0, "needs at least 3 points, found 0"), (2, "needs at least 3 points, found 2"),
                                        (20_001, "has 20,001 points, more than the limit of 20,000")])
def test_check_count_refuses(n, message):
    with pytest.raises(PointsError, match=message):
        check_count(n)


@pytest.mark.parametrize("n", [MIN_POINTS, 1000, MAX_POINTS])
def test_check_count_accepts(n):
    check_count(n)


# A file on disk (the command line's --points-csv)

def test_read_points_file_gives_the_configs_tuples(tmp_path):
    path = tmp_path / "pts.csv"
    path.write_text("x;y\n0;0\n1;0\n1;1\n")
    points = read_points_file(path)
    assert points == ((0.0, 0.0), (1.0, 0.0), (1.0, 1.0))
    assert all(type(v) is float for xy in points for v in xy)
    assert read_points_file(str(path)) == points


def test_read_points_file_names_the_file_in_its_messages(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("0,0\n1,0\nthree,1\n")
    with pytest.raises(PointsError, match=f"^{path}: line 3: 'three' is not a number$"):
        read_points_file(path)


def test_read_points_file_that_is_missing_or_a_folder(tmp_path):
    with pytest.raises(PointsError, match=f"^cannot read {tmp_path}/missing.csv: No such file or directory$"):
        read_points_file(tmp_path / "missing.csv")
    with pytest.raises(PointsError, match="^cannot read .*: Is a directory$"):
        read_points_file(tmp_path)


def test_read_points_file_refuses_a_big_file_without_parsing_it(tmp_path):
    path = tmp_path / "big.csv"
    path.write_bytes(b"0,0\n1,0\n1,1\n" + b"x" * MAX_BYTES)
    with pytest.raises(PointsError, match=f"^{path}: the file is 2,000,012 bytes; the limit is 2,000,000 bytes"):
        read_points_file(path)


# Fitting the points to the view

def test_normalise_fits_the_box_and_centres_it():
    points = np.array([[100.0, 10.0], [300.0, 20.0], [200.0, 60.0]])
    out = normalise(points, 2.5)
    # By hand: the box is x in [100, 300], y in [10, 60]; centre (200, 35); the longer half side
    # is 100 (x), so the factor is 2.5 / 100 = 0.025 on both axes.
    np.testing.assert_allclose(out, [[-2.5, -0.625], [2.5, -0.375], [0.0, 0.625]])


def test_normalise_into_another_window():
    out = normalise(np.array([[0.0, 0.0], [4.0, 2.0], [2.0, 1.0]]), 1.0)
    np.testing.assert_allclose(out, [[-1.0, -0.5], [1.0, 0.5], [0.0, 0.0]])


def test_normalise_keeps_the_aspect_ratio():
    rng = np.random.default_rng(0)
    points = rng.normal(size=(50, 2)) * [3.0, 0.001] + [1e6, -7.0]
    out = normalise(points, 2.5)
    # One factor on both axes: every displacement is scaled by the same number.
    factor = (out[1, 0] - out[0, 0]) / (points[1, 0] - points[0, 0])
    np.testing.assert_allclose(out - out[0], (points - points[0]) * factor, atol=1e-9)
    assert np.abs(out).max() == pytest.approx(2.5) and np.all(np.abs(out) <= 2.5)


def test_normalise_a_single_repeated_point_stays_at_the_origin():
    np.testing.assert_array_equal(normalise(np.full((4, 2), 7.5), 2.5), np.zeros((4, 2)))


def test_normalise_numbers_near_the_float_limit():
    out = normalise(np.array([[-1e308, 0.0], [1e308, 1.0], [0.0, 0.0]]), 2.5)
    np.testing.assert_allclose(out[:, 0], [-2.5, 2.5, 0.0])


@pytest.mark.parametrize("bad", [np.zeros((3, 3)), np.zeros((0, 2)), np.array([[0.0, np.nan]] * 3)])
def test_normalise_refuses_bad_input(bad):
    with pytest.raises(ValueError):
        normalise(bad, 2.5)
