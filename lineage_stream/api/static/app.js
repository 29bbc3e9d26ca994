// The lineage page: pick a dataset, draw its upstream and downstream graph, click a dataset to go there.
"use strict";

const statusBox = document.getElementById("status");
const form = document.getElementById("pick");
const input = document.getElementById("dataset");
const depthBox = document.getElementById("depth");
const asOfBox = document.getElementById("asof");
const list = document.getElementById("datasets");
const matches = document.getElementById("matches");

function say(text, state) {
  statusBox.textContent = text;
  statusBox.dataset.state = state;
}

function datasetId(d) { return "dataset:" + d.namespace + ":" + d.name; }
function jobId(j) { return "job:" + j.namespace + ":" + j.name; }
function spelling(d) { return d.namespace + " " + d.name; }

function go(dataset) {
  const params = new URLSearchParams({ dataset: dataset, depth: depthBox.value });
  if (asOfBox.value) params.set("as_of", asOfBox.value + "Z");
  window.location.search = params.toString();
}

function elementsOf(answer) {
  const focus = datasetId(answer.resolved.dataset);
  const nodes = answer.datasets.map((d) => ({ data: {
    id: datasetId(d), label: d.namespace + "\n" + d.name, kind: "dataset", spelling: spelling(d),
    focus: datasetId(d) === focus ? "yes" : "no" } }));
  answer.jobs.forEach((j) => nodes.push({ data: { id: jobId(j), label: j.name, kind: "job", spelling: spelling(j) } }));
  const seen = new Set();
  const edges = [];
  function edge(a, b, kind) {
    const id = a + "->" + b;
    if (!seen.has(id)) { seen.add(id); edges.push({ data: { id: id, source: a, target: b, kind: kind } }); }
  }
  answer.edges.forEach((e) => { edge(datasetId(e.source), jobId(e.job), "flow"); edge(jobId(e.job), datasetId(e.target), "flow"); });
  answer.aliases.forEach(([a, b]) => edge(datasetId(a), datasetId(b), "alias"));
  return nodes.concat(edges);
}

function draw(answer) {
  const cy = cytoscape({
    container: document.getElementById("graph"),
    elements: elementsOf(answer),
    wheelSensitivity: 0.3,
    style: [
      { selector: "node", style: { "label": "data(label)", "text-wrap": "wrap", "text-max-width": 180, "font-size": 10,
          "text-valign": "bottom", "text-margin-y": 4 } },
      { selector: 'node[kind = "dataset"]', style: { "shape": "round-rectangle", "background-color": "#4a7fd4",
          "width": 34, "height": 22 } },
      { selector: 'node[focus = "yes"]', style: { "background-color": "#e8742a", "border-width": 3, "border-color": "#1d2433" } },
      { selector: 'node[kind = "job"]', style: { "shape": "ellipse", "background-color": "#9aa5b8", "width": 16, "height": 16,
          "font-size": 9, "color": "#55607a" } },
      { selector: "edge", style: { "curve-style": "bezier", "target-arrow-shape": "triangle", "width": 1.5,
          "line-color": "#8d99ae", "target-arrow-color": "#8d99ae" } },
      { selector: 'edge[kind = "alias"]', style: { "line-style": "dashed", "target-arrow-shape": "none" } },
    ],
    layout: { name: "breadthfirst", directed: true, spacingFactor: 1.1, padding: 20,
              transform: (node, pos) => ({ x: pos.y * 1.6, y: pos.x / 1.6 }) },
  });
  cy.on("tap", 'node[kind = "dataset"]', (event) => go(event.target.data("spelling")));
  cy.on("tap", 'node[kind = "job"]', (event) => showRuns(event.target.data("spelling")));
  window.lineageGraph = cy;
  list.replaceChildren(...answer.datasets.map((d) => {
    const item = document.createElement("li");
    const link = document.createElement("a");
    link.href = "?" + new URLSearchParams({ dataset: spelling(d), depth: depthBox.value });
    link.textContent = d.namespace + " " + d.name;
    item.appendChild(link);
    if (datasetId(d) === datasetId(answer.resolved.dataset)) item.className = "focus";
    return item;
  }));
  const up = answer.edges.filter((e) => e.direction === "upstream").length;
  const down = answer.edges.length - up;
  say("Resolved " + JSON.stringify(answer.resolved.query) + " to " + spelling(answer.resolved.dataset) +
      " (by " + answer.resolved.matched_by + "): " + answer.datasets.length + " datasets, " + answer.jobs.length +
      " jobs, " + up + " upstream and " + down + " downstream edges" + (answer.as_of ? ", as of " + answer.as_of : "") +
      (answer.truncated ? "; truncated at " + answer.limit + " edges" : "") + ". Click a dataset to follow it, a job to see its runs.", "drawn");
}

async function showRuns(job) {
  const box = document.getElementById("runs");
  box.replaceChildren();
  const title = document.createElement("h2");
  title.textContent = "Runs of " + job;
  box.appendChild(title);
  const response = await fetch("/api/runs?" + new URLSearchParams({ job: job, limit: 10 }));
  const answer = await response.json();
  const rows = response.ok ? answer.runs.map((r) => r.state + " " + (r.started_at || "") + " " + r.run_id)
                           : [answer.message || response.statusText];
  const items = document.createElement("ul");
  items.replaceChildren(...rows.map((text) => {
    const item = document.createElement("li");
    item.textContent = text;
    if (text.startsWith("FAIL")) item.className = "fail";
    return item;
  }));
  box.appendChild(items);
  box.dataset.state = "shown";
}

async function show(dataset, depth, asOf) {
  say("Reading the lineage of " + dataset + "…", "loading");
  const params = new URLSearchParams({ dataset: dataset, direction: "both", depth: depth });
  if (asOf) params.set("as_of", asOf);
  const response = await fetch("/api/lineage?" + params);
  const answer = await response.json();
  if (!response.ok) {
    say(answer.message || response.statusText, "error");
    return;
  }
  draw(answer);
}

let typing = null;
input.addEventListener("input", () => {
  clearTimeout(typing);
  const text = input.value.trim();
  if (text.length < 2) return;
  typing = setTimeout(async () => {
    const response = await fetch("/api/search?" + new URLSearchParams({ q: text, limit: 20 }));
    if (!response.ok) return;
    const found = await response.json();
    matches.replaceChildren(...found.results.filter((r) => r.kind === "dataset").map((r) => {
      const option = document.createElement("option");
      option.value = r.namespace + " " + r.name;
      return option;
    }));
  }, 250);
});

form.addEventListener("submit", (event) => {
  event.preventDefault();
  if (input.value.trim()) go(input.value.trim());
});

const query = new URLSearchParams(window.location.search);
if (query.get("depth")) depthBox.value = query.get("depth");
if (query.get("as_of")) asOfBox.value = query.get("as_of").replace("Z", "").slice(0, 16);
if (typeof cytoscape === "undefined") {
  say("The graph library is missing: run 'make install' (it fetches Cytoscape.js from npm).", "error");
} else if (query.get("dataset")) {
  input.value = query.get("dataset");
  show(query.get("dataset"), depthBox.value, query.get("as_of")).catch((error) => say(String(error), "error"));
}
