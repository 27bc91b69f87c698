"""Uploaded CSVs: what is read, what is refused with which message, and how points are fitted to the view."""
import numpy as np
import pytest

from playground.uploads import MAX_BYTES, MAX_POINTS, UploadError, normalise, parse_points

SQUARE = [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0]]


def refused(data: bytes) -> str:
    with pytest.raises(UploadError) as err:
        parse_points(data)
    return str(err.value)


def test_plain_comma_separated_numbers():
    points = parse_points(b"0,0\n1,0\n1,1\n")
    assert points.dtype == np.float64 and points.shape == (3, 2)
    np.testing.assert_array_equal(points, SQUARE)


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


def test_decimal_commas_are_refused_rather_than_misread():
    assert refused(b"0,5;1\n1;0\n1;1\n") == "line 1: '0,5' is not a number"


def test_tabs():
    np.testing.assert_array_equal(parse_points(b"x\ty\n0\t0\n1\t0\n1\t1\n"), SQUARE)


def test_whitespace_and_blank_lines():
    np.testing.assert_array_equal(parse_points(b"\n  0   0\n\n1 0\n 1  1  \n\n"), SQUARE)


def test_extra_columns_are_ignored():
    np.testing.assert_array_equal(parse_points(b"x,y,label\n0,0,a\n1,0,b\n1,1,c\n"), SQUARE)


def test_numbers_in_every_usual_notation():
    points = parse_points(b"-1.5,+2\n.5,1e3\n3.,-2.5E-2\n")
    np.testing.assert_array_equal(points, [[-1.5, 2.0], [0.5, 1000.0], [3.0, -0.025]])


def test_quoted_numbers_and_names():
    np.testing.assert_array_equal(parse_points(b'"x","y"\n"0","0"\n1,0\n1,1\n'), SQUARE)


def test_utf8_byte_order_mark_is_allowed():
    np.testing.assert_array_equal(parse_points(b"\xef\xbb\xbfx,y\n0,0\n1,0\n1,1\n"), SQUARE)


def test_non_ascii_header_names():
    np.testing.assert_array_equal(parse_points("横坐标,纵坐标\n0,0\n1,0\n1,1\n".encode()), SQUARE)


@pytest.mark.parametrize("data", [b"", b"\n\n  \n", b"\xef\xbb\xbf"])
def test_empty_file(data):
    assert refused(data) == "the file is empty"


def test_binary_with_nul_bytes():
    assert "not a text CSV file" in refused(b"PK\x03\x04\x00\x00binary")


def test_bytes_that_are_not_utf8():
    assert "not a text CSV file" in refused(b"x,y\n0,0\n\xff\xfe,1\n1,1\n")


def test_one_column():
    assert refused(b"x\n0\n1\n2\n") == "line 2: needs two columns (x, y), found one"


def test_text_in_a_numeric_cell_names_the_line():
    assert refused(b"x,y\n0,0\n\n1,abc\n1,1\n") == "line 4: 'abc' is not a number"


def test_empty_cell_names_the_line():
    assert refused(b"0,0\n1,,0\n1,1\n") == "line 2: an empty cell is not a number"


@pytest.mark.parametrize("cell", ["nan", "NaN", "inf", "-inf", "Infinity", "1e999"])
def test_not_finite_names_the_line(cell):
    message = refused(f"0,0\n1,0\n{cell},1\n".encode())
    assert message.startswith(f"line 3: '{cell}' is not a finite number")


def test_two_points_are_too_few():
    assert refused(b"x,y\n0,0\n1,1\n") == "needs at least 3 points, found 2"


def test_the_point_limit():
    rows = "\n".join(f"{i},{i}" for i in range(MAX_POINTS + 1)).encode()
    assert len(rows) < MAX_BYTES
    assert refused(rows) == f"the file has {MAX_POINTS + 1:,} points; the limit is {MAX_POINTS:,}"
    assert len(parse_points("\n".join(f"{i},{i}" for i in range(MAX_POINTS)).encode())) == MAX_POINTS


def test_the_size_limit():
    data = b"0,0\n" * (MAX_BYTES // 4 + 1)
    assert refused(data) == f"the file is {len(data):,} bytes; the limit is 2,000,000 bytes"


def test_normalise_fits_the_box_and_centres_it():
    points = np.array([[100.0, 10.0], [300.0, 20.0], [200.0, 60.0]])
    out = normalise(points, half_width=2.5)
    assert np.abs(out).max() == pytest.approx(2.5)
    assert np.all(np.abs(out) <= 2.5)
    # The bounding box is centred: x spans [-2.5, 2.5] (the longer side), y (a quarter as long) spans [-0.625, 0.625].
    np.testing.assert_allclose(out.min(axis=0), [-2.5, -0.625])
    np.testing.assert_allclose(out.max(axis=0), [2.5, 0.625])


def test_normalise_keeps_the_aspect_ratio():
    rng = np.random.default_rng(0)
    points = rng.normal(size=(50, 2)) * [3.0, 0.001] + [1e6, -7.0]
    out = normalise(points)
    # One factor on both axes: every displacement is scaled by the same number.
    np.testing.assert_allclose(out - out[0], (points - points[0]) * (out[1, 0] - out[0, 0]) / (points[1, 0] - points[0, 0]),
                               atol=1e-9)


def test_normalise_a_single_repeated_point_stays_at_the_origin():
    np.testing.assert_array_equal(normalise(np.full((4, 2), 7.5)), np.zeros((4, 2)))


def test_normalise_numbers_near_the_float_limit():
    out = normalise(np.array([[-1e308, 0.0], [1e308, 1.0], [0.0, 0.0]]))
    np.testing.assert_allclose(out[:, 0], [-2.5, 2.5, 0.0])


def test_normalise_refuses_bad_shapes():
    with pytest.raises(ValueError):
        normalise(np.zeros((3, 3)))
