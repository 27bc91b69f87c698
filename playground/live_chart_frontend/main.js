// Live chart: keeps one Plotly div alive and redraws it in place with each figure Streamlit sends.
// It speaks Streamlit's components v1 protocol over postMessage directly (no npm helper library):
// we send componentReady once, Streamlit answers with a render message whenever the Python
// arguments change, and we send setFrameHeight / setComponentValue back.
"use strict";

const DRAG_STEP_PX = 15; // while the button is held, add a point each time the pointer moves this far
// A fed chart draws at most this many frames a second, so the rest of the CPU trains: the cap
// follows the machine (15 on two cores, where the browser shares them with training; 30 on more).
const MAX_FPS = (navigator.hardwareConcurrency || 2) > 2 ? 30 : 15;
const MIN_FRAME_MS = 1000 / MAX_FPS;
const RETRY_MS = 1000; // after a failed request, ask again this much later
const HIDDEN_MS = 500; // while the tab is hidden, look at the feed only twice a second
// Plotly's own "download plot as a png" saves only what Plotly draws: the axes without the
// surfaces, samples and arrows of the overlay canvas. Ours saves the picture as it is on screen.
const PLOTLY_CONFIG = {
  responsive: true,
  displaylogo: false,
  modeBarButtonsToRemove: ["toImage"],
  modeBarButtonsToAdd: [{ name: "download the picture as PNG", icon: Plotly.Icons.camera, click: () => savePicture() }],
};

const chart = document.getElementById("chart");
const overlay = document.getElementById("overlay"); // samples, arrows, manifold: see drawOverlay
let lastOverlay = null; // the overlay of the figure on screen, redrawn after zoom, pan or resize
let lastSignature = null; // the figure minus layout.meta and overlay, as last handed to Plotly

// Read by the browser tests and the benchmark: figures received and drawn, times the plot was created from
// scratch (stays 1 when updates happen in place), draws whose layout.meta differed from the
// previous one and when the last of those ended (performance.now() ms, so a rate can be taken
// between two frames), and how long the last Plotly call took.
const stats = (window.__liveChart = {
  received: 0,
  renders: 0,
  newPlots: 0,
  fresh: 0,
  screenFresh: 0, // animation frames in which the pixels on screen changed (see watchScreen)
  screenAt: 0,
  freshAt: 0,
  lastMeta: undefined,
  drawMs: 0,
  notice: "",
  source: null,
  plotlyCalls: 0,
});

let height = null; // frame height last sent to Streamlit, so it is sent only when it changes
let clickToAdd = false;
let pending = null; // newest figure not drawn yet; older undrawn ones are dropped
let drawing = false; // a Plotly call is in flight
const points = []; // [x, y] in data coordinates, added by clicks and drags, owned by this iframe
let lastDragPx = null; // pointer position of the last point added while the button is held
let feed = null; // {url, have}: the frame feed this chart follows, and the key of the frame it shows
let feeding = false; // the feed loop is running

function send(type, data) {
  window.parent.postMessage({ isStreamlitMessage: true, type, ...data }, "*");
}

function onRender(args) {
  stats.received += 1;
  clickToAdd = args.click_to_add;
  if (args.height !== height) {
    height = args.height;
    chart.style.height = `${height}px`;
    send("streamlit:setFrameHeight", { height });
    if (stats.newPlots > 0) Plotly.Plots.resize(chart);
  }
  if (args.source) {
    follow(args.source);
    return;
  }
  feed = null;
  pending = args.figure;
  if (!drawing) drawPending();
}

// ---- the frame feed: fetch a frame, draw it, fetch the next (see playground/framefeed.py) ----
function follow(url) {
  if (feed !== null && feed.url === url) return;
  feed = { url, have: "" }; // new view options: the next answer is a frame drawn with them
  stats.source = url;
  if (!feeding) feedLoop();
}

async function feedLoop() {
  feeding = true;
  while (feed !== null) {
    const current = feed;
    const started = performance.now();
    let wait = document.hidden ? HIDDEN_MS : MIN_FRAME_MS;
    try {
      const resp = await fetch(`${current.url}&have=${encodeURIComponent(current.have)}`, { cache: "no-store" });
      const json = (resp.headers.get("content-type") || "").includes("json");
      if (resp.status === 204) {
        // nothing new within the server's long poll (a second): ask again at once, since
        // MIN_FRAME_MS has long passed; an answer that came early still waits for it
        wait = MIN_FRAME_MS;
      } else if (!json) {
        // not our endpoint: the page was started as a plain script, without the feed's route
        showNotice("live frames need the app's server: start it with `streamlit run playground/server.py`");
        wait = RETRY_MS;
      } else if (resp.status === 200) {
        const body = await resp.json();
        if (current === feed) {
          current.have = body.key;
          showNotice(null);
          await draw(body.figure);
        }
      } else {
        const body = await resp.json().catch(() => ({}));
        showNotice(body.error || `the frame feed answered HTTP ${resp.status}`);
        wait = RETRY_MS;
      }
    } catch (err) {
      showNotice("lost the connection to the server; trying again");
      wait = RETRY_MS;
    }
    const left = wait - (performance.now() - started);
    if (left > 0) await new Promise((resolve) => setTimeout(resolve, left));
  }
  feeding = false;
}

// A line over the chart while the feed fails (the last frame stays visible under it).
function showNotice(text) {
  const notice = document.getElementById("notice");
  notice.textContent = text || "";
  notice.hidden = !text;
  stats.notice = text || "";
}

// Draw figures one at a time; if several arrive during a draw only the newest is drawn next,
// so a slow draw makes the chart skip frames instead of falling further and further behind.
async function drawPending() {
  drawing = true;
  while (pending !== null) {
    const figure = pending;
    pending = null;
    try {
      await draw(figure);
    } catch (err) {
      console.error("live_chart: drawing the figure failed", err);
    }
  }
  drawing = false;
}

async function draw(figure) {
  const started = performance.now();
  const layout = figure.layout || {};
  // newPlot builds the DOM once; react diffs against what is on screen and keeps the user's
  // zoom because Python gives every figure the same layout.uirevision.
  lastOverlay = figure.overlay ? unpack(figure.overlay) : null;
  // Plotly only when what it draws changed: a live frame usually changes just the overlay (and
  // layout.meta, which only we read), and leaving the SVG alone spares its re-layout and raster.
  const signature = figure.overlay ? JSON.stringify([figure.data, { ...layout, meta: null }]) : null;
  if (stats.newPlots === 0) {
    await Plotly.newPlot(chart, figure.data || [], layout, PLOTLY_CONFIG);
    stats.newPlots += 1;
    chart.on("plotly_afterplot", () => drawOverlay()); // zoom, pan, resize, legend clicks
  } else if (!figure.overlay || signature !== lastSignature) {
    // (figures without an overlay, the history charts and the drawing canvas, always go to Plotly)
    await Plotly.react(chart, figure.data || [], layout, PLOTLY_CONFIG);
    stats.plotlyCalls += 1;
  }
  lastSignature = signature;
  drawOverlay();
  const ended = performance.now();
  stats.drawMs = ended - started;
  stats.renders += 1;
  if (JSON.stringify(layout.meta) !== JSON.stringify(stats.lastMeta)) {
    stats.fresh += 1;
    stats.freshAt = ended;
  }
  stats.lastMeta = layout.meta;
}

// The overlay: point sets, segments and polylines drawn on a canvas over the plot area, in the
// axes' current ranges (so zoom and pan apply). As SVG they were ~1,500 elements per frame; on a
// canvas a frame costs about a millisecond. A layer whose legend entry was clicked off is skipped.
function drawOverlay() {
  const ctx = overlay.getContext("2d");
  const dpr = window.devicePixelRatio || 1;
  const width = chart.clientWidth;
  const height = chart.clientHeight;
  if (overlay.width !== Math.round(width * dpr) || overlay.height !== Math.round(height * dpr)) {
    overlay.width = Math.round(width * dpr);
    overlay.height = Math.round(height * dpr);
    overlay.style.width = `${width}px`;
    overlay.style.height = `${height}px`;
  }
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, width, height);
  const full = chart._fullLayout;
  if (!full || lastOverlay === null) return;
  const hidden = new Set((chart._fullData || []).filter((t) => t.visible === "legendonly").map((t) => t.name));
  for (const layer of lastOverlay.layers) {
    const xa = full[layer.xaxis];
    const ya = full[layer.yaxis];
    if (!xa || !ya || hidden.has(layer.name)) continue;
    ctx.save();
    ctx.beginPath();
    ctx.rect(xa._offset, ya._offset, xa._length, ya._length);
    ctx.clip();
    ctx.globalAlpha = layer.opacity;
    ctx.fillStyle = ctx.strokeStyle = layer.color || "black";
    ctx.lineWidth = layer.size || 1;
    DRAW_LAYER[layer.kind](ctx, layer, (x) => xa._offset + xa.l2p(x), (y) => ya._offset + ya.l2p(y));
    ctx.restore();
  }
  if (lastOverlay.caption) {
    // above the plot area, where a title would be
    const xa = full.xaxis;
    ctx.font = "13px 'Open Sans', verdana, arial, sans-serif";
    ctx.fillStyle = "#444";
    ctx.textAlign = "left";
    ctx.textBaseline = "bottom";
    ctx.fillText(lastOverlay.caption, xa._offset, full.yaxis._offset - 4);
  }
  for (const layer of lastOverlay.layers) if (layer.colorbar) drawColorbar(ctx, full, layer);
  for (const label of lastOverlay.labels || []) drawLabel(ctx, full, label);
  if (lastOverlay.note) {
    // in the plot's lower left corner, on a light box so it reads over any colour
    const xa = full.xaxis;
    const ya = full.yaxis;
    ctx.font = "11px 'Open Sans', verdana, arial, sans-serif";
    ctx.textAlign = "left";
    ctx.textBaseline = "bottom";
    const x = xa._offset + 6;
    const y = ya._offset + ya._length - 6;
    ctx.fillStyle = "rgba(255, 255, 255, 0.75)";
    ctx.fillRect(x - 3, y - 15, ctx.measureText(lastOverlay.note).width + 6, 17);
    ctx.fillStyle = lastOverlay.note_color || "#c51b7d";
    ctx.fillText(lastOverlay.note, x, y);
  }
}

// A surface's colour bar, flat and centred under its plot (below the x tick labels): its title
// above, its ticks [[value, text], ...] below. Drawn here rather than by Plotly so it stays beside
// the plot wherever keeping the aspect ratio puts the plot, and a new range redraws no SVG.
function drawColorbar(ctx, full, layer) {
  const xa = full[layer.xaxis];
  const ya = full[layer.yaxis];
  if (!xa || !ya) return;
  const { zmin, zmax, colorbar } = layer;
  const width = Math.min(160, xa._length - 20);
  const left = xa._offset + (xa._length - width) / 2;
  const top = ya._offset + ya._length + 36; // under the x tick labels and the bar's title
  const lut = colorTable(layer.colors);
  const steps = lut.length / 4;
  for (let i = 0; i < width; i++) {
    const k = 4 * Math.round((i / Math.max(width - 1, 1)) * (steps - 1));
    ctx.fillStyle = `rgb(${lut[k]}, ${lut[k + 1]}, ${lut[k + 2]})`;
    ctx.fillRect(left + i, top, 1.5, 8);
  }
  ctx.font = "11px 'Open Sans', verdana, arial, sans-serif";
  ctx.fillStyle = "#444";
  ctx.textAlign = "center";
  ctx.textBaseline = "bottom";
  ctx.fillText(colorbar.title, left + width / 2, top - 3);
  ctx.font = "10px 'Open Sans', verdana, arial, sans-serif";
  ctx.textBaseline = "top";
  colorbar.ticks.forEach(([value, text], i, all) => {
    const x = left + ((value - zmin) / (zmax - zmin || 1)) * width;
    ctx.textAlign = i === 0 ? "left" : i === all.length - 1 ? "right" : "center";
    ctx.fillText(text, i === 0 ? left : i === all.length - 1 ? left + width : x, top + 10);
  });
}

// A line of text in a corner of a subplot (the arrows' scale, how D* was estimated), on a light box.
function drawLabel(ctx, full, label) {
  const xa = full[label.xaxis];
  const ya = full[label.yaxis];
  if (!xa || !ya || !label.text) return;
  ctx.font = "11px 'Open Sans', verdana, arial, sans-serif";
  const right = label.corner.endsWith("right");
  const top = label.corner.startsWith("top");
  ctx.textAlign = right ? "right" : "left";
  ctx.textBaseline = top ? "top" : "bottom";
  const x = right ? xa._offset + xa._length - 6 : xa._offset + 6;
  const y = top ? ya._offset + 6 : ya._offset + ya._length - 6;
  const width = ctx.measureText(label.text).width;
  ctx.fillStyle = "rgba(255, 255, 255, 0.75)";
  ctx.fillRect(right ? x - width - 3 : x - 3, top ? y - 2 : y - 15, width + 6, 17);
  ctx.fillStyle = "#333";
  ctx.fillText(label.text, x, y);
}

const DRAW_LAYER = {
  surface(ctx, layer, px, py) {
    // z on an nx x ny grid of cell centres, rows along y: one pixel per cell, scaled up smoothly
    const { nx, ny, z, zmin, zmax } = layer;
    const lut = colorTable(layer.colors);
    const image = surfaceImage(nx, ny);
    const pixels = image.data.data;
    const scale = (lut.length / 4 - 1) / (zmax - zmin || 1);
    for (let row = 0; row < ny; row++) {
      const out = (ny - 1 - row) * nx * 4; // canvas rows run top to bottom, y bottom to top
      for (let col = 0; col < nx; col++) {
        const v = z[row * nx + col];
        const o = out + col * 4;
        if (Number.isNaN(v)) {
          pixels[o + 3] = 0; // undefined here (D* off the supports): leave the background
          continue;
        }
        const k = 4 * Math.max(0, Math.min(lut.length / 4 - 1, Math.round((v - zmin) * scale)));
        pixels[o] = lut[k];
        pixels[o + 1] = lut[k + 1];
        pixels[o + 2] = lut[k + 2];
        pixels[o + 3] = 255;
      }
    }
    image.ctx.putImageData(image.data, 0, 0);
    const dx = (layer.x[1] - layer.x[0]) / Math.max(nx - 1, 1);
    const dy = (layer.y[1] - layer.y[0]) / Math.max(ny - 1, 1);
    const left = px(layer.x[0] - dx / 2);
    const top = py(layer.y[1] + dy / 2);
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(image.canvas, left, top, px(layer.x[1] + dx / 2) - left, py(layer.y[0] - dy / 2) - top);
  },
  dots(ctx, layer, px, py) {
    // with an outline (a thin ring of another colour) a dot shows on every colour of the surface
    const xy = layer.xy;
    const r = layer.size / 2;
    ctx.beginPath();
    for (let i = 0; i < xy.length; i += 2) {
      if (Number.isNaN(xy[i]) || Number.isNaN(xy[i + 1])) continue;
      const x = px(xy[i]);
      const y = py(xy[i + 1]);
      ctx.moveTo(x + r, y);
      ctx.arc(x, y, r, 0, 2 * Math.PI);
    }
    if (layer.outline) {
      ctx.lineWidth = 0.8;
      ctx.strokeStyle = layer.outline;
      ctx.stroke();
    }
    ctx.fill();
  },
  segments(ctx, layer, px, py) {
    // [x0, y0, x1, y1, ...]: one stroke for all of them
    const xy = layer.xy;
    ctx.beginPath();
    for (let i = 0; i < xy.length; i += 4) {
      if (Number.isNaN(xy[i] + xy[i + 1] + xy[i + 2] + xy[i + 3])) continue;
      ctx.moveTo(px(xy[i]), py(xy[i + 1]));
      ctx.lineTo(px(xy[i + 2]), py(xy[i + 3]));
    }
    ctx.stroke();
  },
  polyline(ctx, layer, px, py) {
    // null coordinates (NaN in Python) break the line
    const xy = layer.xy;
    ctx.beginPath();
    let pen = false;
    for (let i = 0; i < xy.length; i += 2) {
      if (Number.isNaN(xy[i]) || Number.isNaN(xy[i + 1])) {
        pen = false;
        continue;
      }
      if (pen) ctx.lineTo(px(xy[i]), py(xy[i + 1]));
      else ctx.moveTo(px(xy[i]), py(xy[i + 1]));
      pen = true;
    }
    ctx.stroke();
  },
};

// Overlay arrays come as {f32: base64 of little-endian float32} (see framefeed.packed) or as
// JSON lists with null for NaN; either way they become typed arrays with NaN for gaps.
function floats(value) {
  if (value && typeof value.f32 === "string") {
    const text = atob(value.f32);
    const bytes = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
    return new Float32Array(bytes.buffer);
  }
  return Float64Array.from(value || [], (v) => (v === null ? NaN : v));
}

function unpack(overlay) {
  const layers = overlay.layers.map((layer) => ({
    ...layer,
    ...(layer.xy !== undefined && { xy: floats(layer.xy) }),
    ...(layer.z !== undefined && { z: floats(layer.z) }),
  }));
  return { ...overlay, layers };
}

// A colour scale [[t, "#rrggbb"], ...] as a 256-entry RGBA table, built once per scale.
const colorTables = new Map();
function colorTable(stops) {
  const id = JSON.stringify(stops);
  if (!colorTables.has(id)) {
    const rgb = stops.map(([t, hex]) => [t, [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16))]);
    const lut = new Uint8ClampedArray(256 * 4);
    for (let i = 0; i < 256; i++) {
      const t = i / 255;
      let j = 1;
      while (j < rgb.length - 1 && rgb[j][0] < t) j++;
      const [t0, c0] = rgb[j - 1];
      const [t1, c1] = rgb[j];
      const f = t1 > t0 ? Math.min(1, Math.max(0, (t - t0) / (t1 - t0))) : 0;
      for (let c = 0; c < 3; c++) lut[i * 4 + c] = c0[c] + f * (c1[c] - c0[c]);
      lut[i * 4 + 3] = 255;
    }
    colorTables.set(id, lut);
  }
  return colorTables.get(id);
}

// One small canvas per grid size, reused frame after frame.
const surfaceImages = new Map();
function surfaceImage(nx, ny) {
  const id = `${nx}x${ny}`;
  if (!surfaceImages.has(id)) {
    const canvas = document.createElement("canvas");
    canvas.width = nx;
    canvas.height = ny;
    const ctx = canvas.getContext("2d");
    surfaceImages.set(id, { canvas, ctx, data: ctx.createImageData(nx, ny) });
  }
  return surfaceImages.get(id);
}

// Pointer position to data coordinates, or null outside the plot area (margins, axes, legend).
function toDataPoint(event) {
  const full = chart._fullLayout;
  if (!full) return null;
  const box = chart.getBoundingClientRect();
  const xa = full.xaxis;
  const ya = full.yaxis;
  const px = event.clientX - box.left - xa._offset;
  const py = event.clientY - box.top - ya._offset;
  if (px < 0 || px > xa._length || py < 0 || py > ya._length) return null;
  return [xa.p2c(px), ya.p2c(py)];
}

function addPoint(event) {
  const point = toDataPoint(event);
  if (point === null) return false;
  points.push(point);
  lastDragPx = [event.clientX, event.clientY];
  return true;
}

// One stroke (a click, or a drag with the button held) sends the list once, when it ends, so a
// drag costs one Streamlit rerun rather than one per point.
function finishStroke() {
  if (lastDragPx === null) return;
  lastDragPx = null;
  send("streamlit:setComponentValue", { value: points, dataType: "json" });
}

// Capture phase: we see the press before Plotly's own drag layer inside the div does.
chart.addEventListener(
  "pointerdown",
  (event) => {
    if (!clickToAdd || event.button !== 0 || !addPoint(event)) return;
    chart.setPointerCapture(event.pointerId); // keep getting moves even outside the plot area
  },
  true,
);
chart.addEventListener("pointermove", (event) => {
  if (lastDragPx === null) return;
  const moved = Math.hypot(event.clientX - lastDragPx[0], event.clientY - lastDragPx[1]);
  if (moved >= DRAG_STEP_PX) addPoint(event);
});
chart.addEventListener("pointerup", finishStroke);
chart.addEventListener("pointercancel", finishStroke);

window.addEventListener("message", (event) => {
  if (event.source !== window.parent || event.data?.type !== "streamlit:render") return;
  onRender(event.data.args);
});
send("streamlit:componentReady", { apiVersion: 1 });

// What the user sees, counted by the page itself: at each animation frame, a 24 x 24 thumbnail of
// the overlay canvas (surfaces, samples, arrows) and the plot's data revision; an animation frame
// whose thumbnail or revision differs from the last one shows a fresh picture. Costs ~0.1 ms a frame.
const probe = document.createElement("canvas");
probe.width = probe.height = 24;
const probeCtx = probe.getContext("2d", { willReadFrequently: true });
let lastScreen = "";
function watchScreen() {
  if (overlay.width > 0 && overlay.height > 0) {
    probeCtx.clearRect(0, 0, 24, 24);
    probeCtx.drawImage(overlay, 0, 0, 24, 24);
    const pixels = probeCtx.getImageData(0, 0, 24, 24).data;
    let sum = 0;
    for (let i = 0; i < pixels.length; i += 1) sum = (sum * 31 + pixels[i]) >>> 0;
    const screen = `${sum}:${stats.plotlyCalls}:${stats.newPlots}`;
    if (screen !== lastScreen) {
      lastScreen = screen;
      stats.screenFresh += 1;
      stats.screenAt = performance.now();
    }
  }
  requestAnimationFrame(watchScreen);
}
requestAnimationFrame(watchScreen);

// The plot (Plotly's image of its SVG) with the overlay canvas drawn over it, as one PNG download.
async function savePicture() {
  const scale = window.devicePixelRatio || 1;
  const url = await Plotly.toImage(chart, { format: "png", width: chart.clientWidth, height: chart.clientHeight, scale });
  const plot = new Image();
  plot.src = url;
  await plot.decode();
  const out = document.createElement("canvas");
  out.width = plot.width;
  out.height = plot.height;
  const ctx = out.getContext("2d");
  ctx.drawImage(plot, 0, 0);
  ctx.drawImage(overlay, 0, 0, out.width, out.height);
  const link = document.createElement("a");
  link.href = out.toDataURL("image/png");
  link.download = "gan-playground.png";
  document.body.appendChild(link);
  link.click();
  link.remove();
  stats.savedPictures = (stats.savedPictures || 0) + 1;
}
