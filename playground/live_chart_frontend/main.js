// Live chart: keeps one Plotly div alive and redraws it in place with each figure Streamlit sends.
// It speaks Streamlit's components v1 protocol over postMessage directly (no npm helper library):
// we send componentReady once, Streamlit answers with a render message whenever the Python
// arguments change, and we send setFrameHeight / setComponentValue back.
"use strict";

const DRAG_STEP_PX = 15; // while the button is held, add a point each time the pointer moves this far
const PLOTLY_CONFIG = { responsive: true, displaylogo: false };

const chart = document.getElementById("chart");

// Read by the browser tests and the benchmark: figures drawn, times the plot was created from
// scratch (stays 1 when updates happen in place), draws whose layout.meta differed from the
// previous one and when the last of those ended (performance.now() ms, so a rate can be taken
// between two frames), and how long the last Plotly call took.
const stats = (window.__liveChart = {
  renders: 0,
  newPlots: 0,
  fresh: 0,
  freshAt: 0,
  lastMeta: undefined,
  drawMs: 0,
});

let height = null; // frame height last sent to Streamlit, so it is sent only when it changes
let clickToAdd = false;
let pending = null; // newest figure not drawn yet; older undrawn ones are dropped
let drawing = false; // a Plotly call is in flight
const points = []; // [x, y] in data coordinates, added by clicks and drags, owned by this iframe
let lastDragPx = null; // pointer position of the last point added while the button is held

function send(type, data) {
  window.parent.postMessage({ isStreamlitMessage: true, type, ...data }, "*");
}

function onRender(args) {
  clickToAdd = args.click_to_add;
  if (args.height !== height) {
    height = args.height;
    chart.style.height = `${height}px`;
    send("streamlit:setFrameHeight", { height });
    if (stats.newPlots > 0) Plotly.Plots.resize(chart);
  }
  pending = args.figure;
  if (!drawing) drawPending();
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
  if (stats.newPlots === 0) {
    await Plotly.newPlot(chart, figure.data || [], layout, PLOTLY_CONFIG);
    stats.newPlots += 1;
  } else {
    await Plotly.react(chart, figure.data || [], layout, PLOTLY_CONFIG);
  }
  const ended = performance.now();
  stats.drawMs = ended - started;
  stats.renders += 1;
  if (JSON.stringify(layout.meta) !== JSON.stringify(stats.lastMeta)) {
    stats.fresh += 1;
    stats.freshAt = ended;
  }
  stats.lastMeta = layout.meta;
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
