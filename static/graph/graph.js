/* The research graph: the slice on profile pages ([data-graph-slice]) and the full explorer
 * ([data-graph-explorer]). Slices come from /api/graph/slice/ as JSON; the picture is drawn with
 * Cytoscape.js (static/vendor/cytoscape) and the same JSON is written out as a list of the
 * neighbours (the picture's text alternative). No build step: plain browser JavaScript. */
(function () {
  "use strict";

  var KINDS = {
    person: { color: "#1f5fbf", shape: "ellipse", plural: "People" },
    paper: { color: "#d98b00", shape: "round-rectangle", plural: "Papers" },
    topic: { color: "#138a5b", shape: "diamond", plural: "Topics" },
    institution: { color: "#7b3fb5", shape: "hexagon", plural: "Institutions" }
  };
  var KIND_ORDER = ["person", "paper", "topic", "institution"];
  var LABELLED_PEOPLE = 8;

  var STYLE = [
    { selector: "node", style: {
      "background-color": "data(color)", shape: "data(shape)",
      width: "mapData(weight, 1, 40, 14, 32)", height: "mapData(weight, 1, 40, 14, 32)",
      "border-width": 1, "border-color": "#ffffff", label: "",
      "font-size": 9, color: "#1b1f24", "text-valign": "bottom", "text-margin-y": 3,
      "text-wrap": "ellipsis", "text-max-width": 120, "min-zoomed-font-size": 6,
      "text-background-color": "#fbfcfd", "text-background-opacity": 0.7
    } },
    { selector: "node[?labelled]", style: { label: "data(short)" } },
    { selector: "node.centre", style: {
      width: 38, height: 38, "border-width": 3, "border-color": "#1b1f24",
      "font-size": 11, "font-weight": 700
    } },
    { selector: "node.expanded", style: { "border-width": 3, "border-color": "#1b1f24", "border-style": "double" } },
    { selector: "node.hover, node:selected", style: { "border-width": 3, "border-color": "#f2a900", label: "data(short)", "z-index": 10 } },
    { selector: "edge", style: {
      width: 1.2, "line-color": "#b8c0c8", "curve-style": "straight", opacity: 0.75
    } },
    { selector: "edge[kind = 'co-authored']", style: {
      "line-color": "#1f5fbf", width: "mapData(weight, 1, 40, 1.5, 6)", opacity: 0.55
    } },
    { selector: "edge[kind = 'in topic']", style: { "line-color": "#138a5b", "line-style": "dashed" } },
    { selector: "edge[kind = 'affiliated']", style: { "line-color": "#7b3fb5", "line-style": "dotted", width: 1.6 } },
    { selector: ".filtered", style: { display: "none" } }
  ];

  function truncate(text, n) {
    return text.length > n ? text.slice(0, n - 1) + "…" : text;
  }

  function sliceUrl(api, params) {
    var query = new URLSearchParams();
    Object.keys(params).forEach(function (k) { query.set(k, params[k]); });
    return api + "?" + query.toString();
  }

  function fetchSlice(api, params) {
    return fetch(sliceUrl(api, params), { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (body) {
          if (!response.ok) {
            var detail = body.detail || (body.non_field_errors || []).join(" ") || JSON.stringify(body);
            throw new Error(detail || ("HTTP " + response.status));
          }
          return body;
        });
      });
  }

  function nodeElement(node, labelled) {
    var kind = KINDS[node.kind] || KINDS.person;
    return {
      group: "nodes",
      data: {
        id: node.id, kind: node.kind, label: node.label, short: truncate(node.label, 32),
        url: node.url, year: node.year, weight: Math.max(node.weight || 1, 1), depth: node.depth,
        expand: node.expand, color: kind.color, shape: kind.shape, labelled: labelled
      },
      classes: node.depth === 0 ? "centre " + node.kind : node.kind
    };
  }

  function edgeElement(edge) {
    return {
      group: "edges",
      data: {
        id: edge.source + "|" + edge.kind + "|" + edge.target,
        source: edge.source, target: edge.target, kind: edge.kind, weight: edge.weight
      }
    };
  }

  function elementsOf(slice) {
    var people = 0;
    var nodes = slice.nodes.map(function (node) {
      var labelled = node.depth === 0 || node.kind === "topic" ||
        (node.kind === "person" && people++ < LABELLED_PEOPLE);
      return nodeElement(node, labelled);
    });
    return nodes.concat(slice.edges.map(edgeElement));
  }

  // A first drawing starts from rings (centre, first ring, second ring) rather than random
  // positions, so the same slice is always drawn the same way; expansions start from where the
  // nodes already are.
  function layout(cy, fresh) {
    if (fresh) {
      cy.layout({
        name: "concentric", animate: false, fit: false,
        concentric: function (node) { return 10 - node.data("depth") * 3 - (node.data("kind") === "person" ? 0 : 1); },
        levelWidth: function () { return 1; }
      }).run();
    }
    cy.layout({
      name: "cose", animate: false, randomize: false, fit: true, padding: 24,
      nodeRepulsion: function () { return 9000; }, idealEdgeLength: function () { return 60; },
      nodeOverlap: 8, numIter: 1200
    }).run();
  }

  function draw(container, slice) {
    var tooltip = document.createElement("div");
    tooltip.className = "graph-tooltip";
    tooltip.hidden = true;
    tooltip.setAttribute("aria-hidden", "true");
    var cy = window.cytoscape({
      container: container, elements: elementsOf(slice), style: STYLE,
      minZoom: 0.2, maxZoom: 4, boxSelectionEnabled: false
    });
    container.appendChild(tooltip);
    layout(cy, true);
    cy.on("mouseover", "node", function (event) {
      var node = event.target;
      var pos = node.renderedPosition();
      node.addClass("hover");
      tooltip.textContent = node.data("label") + (node.data("year") ? " · " + node.data("year") : "");
      tooltip.style.left = pos.x + "px";
      tooltip.style.top = pos.y + "px";
      tooltip.hidden = false;
      container.style.cursor = "pointer";
    });
    cy.on("mouseout", "node", function (event) {
      event.target.removeClass("hover");
      tooltip.hidden = true;
      container.style.cursor = "";
    });
    cy.on("pan zoom", function () { tooltip.hidden = true; });
    return cy;
  }

  function describe(node) {
    var bits = [];
    if (node.kind === "person" && node.depth > 0 && node.weight > 1) bits.push(node.weight + " shared works");
    if ((node.kind === "topic" || node.kind === "institution") && node.weight > 1) bits.push(node.weight + " works");
    if (node.depth === 2) bits.push("second ring");
    if (node.year) bits.push(String(node.year));
    return bits.join(" · ");
  }

  // `onExpand(node)`, when given, adds an "expand" button to every node that can be expanded
  // (the explorer's keyboard path: the canvas itself is for pointers).
  function renderList(target, nodes, leftOut, onExpand, isExpanded) {
    target.textContent = "";
    KIND_ORDER.forEach(function (kind) {
      var ofKind = nodes.filter(function (n) { return n.kind === kind && n.depth > 0; });
      if (!ofKind.length) return;
      var heading = document.createElement("h4");
      var more = leftOut && leftOut[kind] ? " (+" + leftOut[kind].toLocaleString() + " not shown)" : "";
      heading.textContent = KINDS[kind].plural + " · " + ofKind.length + more;
      var list = document.createElement("ul");
      ofKind.forEach(function (node) {
        var item = document.createElement("li");
        var name = document.createElement(node.url ? "a" : "span");
        if (node.url) name.href = node.url;
        name.textContent = node.label;
        item.appendChild(name);
        var detail = describe(node);
        if (detail) {
          var meta = document.createElement("span");
          meta.className = "meta";
          meta.textContent = " · " + detail;
          item.appendChild(meta);
        }
        if (onExpand && node.expand && !isExpanded(node)) {
          var button = document.createElement("button");
          button.type = "button";
          button.className = "graph-expand";
          button.textContent = "expand";
          button.setAttribute("aria-label", "Expand " + node.label);
          button.addEventListener("click", function () { onExpand(node); });
          item.appendChild(document.createTextNode(" "));
          item.appendChild(button);
        }
        list.appendChild(item);
      });
      target.appendChild(heading);
      target.appendChild(list);
    });
  }

  function summarise(slice) {
    var shown = slice.nodes.length - 1;
    var text = shown + " neighbour" + (shown === 1 ? "" : "s") + " shown";
    if (slice.left_out_total) text += ", " + slice.left_out_total.toLocaleString() + " more left out (cap " + slice.limit + ")";
    return text + ". Depth " + slice.depth + ".";
  }

  // --- the profile panel ------------------------------------------------------------------------

  function initPanel(panel) {
    var status = panel.querySelector("[data-graph-status]");
    var canvas = panel.querySelector("[data-graph-canvas]");
    var summary = panel.querySelector("[data-graph-summary]");
    var list = panel.querySelector("[data-graph-list]");
    var params = {};
    params[panel.getAttribute("data-graph-param")] = panel.getAttribute("data-graph-value");
    // A phone-sized panel gets a smaller slice: 30 nodes stay readable on a narrow screen.
    if (panel.clientWidth < 560) params.limit = 30;
    fetchSlice(panel.getAttribute("data-graph-api"), params).then(function (slice) {
      if (slice.nodes.length < 2) {
        status.querySelector("strong").textContent = "No neighbours yet";
        status.querySelector("span").textContent = "This record has no co-authors, topics or institutions to show.";
        panel.setAttribute("data-state", "empty");
        return;
      }
      status.hidden = true;
      canvas.hidden = false;
      var cy = draw(canvas, slice);
      cy.on("tap", "node", function (event) {
        var url = event.target.data("url");
        if (url) window.location.assign(url);
      });
      summary.textContent = summarise(slice);
      renderList(list.querySelector("[data-graph-items]"), slice.nodes, slice.left_out);
      list.hidden = false;
      window.bzGraph.profile = cy;
      panel.setAttribute("data-state", "ready");
    }).catch(function (error) {
      status.classList.add("is-error");
      status.querySelector("strong").textContent = "The graph slice could not be loaded";
      status.querySelector("span").textContent = error.message;
      panel.setAttribute("data-state", "error");
    });
  }

  // --- the explorer -----------------------------------------------------------------------------

  function initExplorer(root) {
    var centreParams = JSON.parse(document.getElementById("graph-centre").textContent);
    if (!centreParams) return;
    var api = root.getAttribute("data-graph-api");
    var limit = Number(root.getAttribute("data-graph-limit")) || 60;
    var canvas = root.querySelector("[data-graph-canvas]");
    var status = root.querySelector("[data-graph-status]");
    var summary = root.querySelector("[data-graph-summary]");
    var items = document.querySelector("[data-graph-items]");
    var selected = root.querySelector("[data-graph-selected]");
    var depthInput = root.querySelector("[name=depth]");
    var kindInputs = Array.prototype.slice.call(root.querySelectorAll("[name=kind]"));
    var yearFrom = root.querySelector("[name=year_from]");
    var yearTo = root.querySelector("[name=year_to]");
    var cy = null;
    var nodes = {};  // id -> node JSON, everything drawn so far
    var expanded = {};

    function setStatus(title, detail, isError) {
      status.hidden = false;
      status.classList.toggle("is-error", Boolean(isError));
      status.querySelector("strong").textContent = title;
      status.querySelector("span").textContent = detail || "";
    }

    function refresh() {
      var all = Object.keys(nodes).map(function (id) { return nodes[id]; });
      renderList(items, all, null, function (node) {
        var element = cy.getElementById(node.id);
        select(element);
        expand(element);
      }, function (node) { return Boolean(expanded[node.id]); });
      var years = all.map(function (n) { return n.year; }).filter(Boolean);
      if (years.length) {
        var lo = Math.min.apply(null, years), hi = Math.max.apply(null, years);
        [yearFrom, yearTo].forEach(function (input) { input.min = lo; input.max = hi; });
        yearFrom.placeholder = lo;
        yearTo.placeholder = hi;
      }
      root.setAttribute("data-nodes", String(cy.nodes().length));
      applyFilters();
    }

    function applyFilters() {
      if (!cy) return;
      var kinds = {};
      kindInputs.forEach(function (input) { kinds[input.value] = input.checked; });
      var from = Number(yearFrom.value) || -Infinity, to = Number(yearTo.value) || Infinity;
      cy.batch(function () {
        cy.nodes().forEach(function (node) {
          var year = node.data("year");
          var hide = !node.hasClass("centre") && (!kinds[node.data("kind")] ||
            (year && (year < from || year > to)));
          node.toggleClass("filtered", Boolean(hide));
        });
      });
      var visible = cy.nodes().not(".filtered").length;
      summary.textContent = visible + " of " + cy.nodes().length + " nodes visible; " +
        Object.keys(expanded).length + " expanded. Click a node to expand its neighbours.";
    }

    function select(node) {
      var data = node.data();
      selected.textContent = "";
      var title = document.createElement("p");
      title.className = "explorer-selected";
      var name = document.createElement(data.url ? "a" : "strong");
      if (data.url) name.href = data.url;
      name.textContent = data.label;
      title.appendChild(name);
      selected.appendChild(title);
      var meta = document.createElement("p");
      meta.className = "meta";
      meta.textContent = data.kind + (data.year ? " · " + data.year : "") +
        (expanded[data.id] ? " · expanded" : data.expand ? "" : " · cannot be expanded");
      selected.appendChild(meta);
      if (data.expand) {
        var centre = document.createElement("a");
        centre.href = "?" + new URLSearchParams(data.expand).toString();
        centre.textContent = "Centre the explorer here";
        selected.appendChild(centre);
      }
    }

    function merge(slice, around) {
      var added = [];
      slice.nodes.forEach(function (node) {
        if (nodes[node.id]) return;
        nodes[node.id] = node;
        var element = nodeElement(node, node.kind === "topic" || node.kind === "person");
        if (around) {
          var p = around.position();
          element.position = { x: p.x + (Math.random() - 0.5) * 120, y: p.y + (Math.random() - 0.5) * 120 };
        }
        added.push(element);
      });
      slice.edges.forEach(function (edge) {
        var element = edgeElement(edge);
        if (!cy.getElementById(element.data.id).length) added.push(element);
      });
      cy.add(added);
      return added.length;
    }

    function expand(node) {
      var data = node.data();
      if (!data.expand || expanded[data.id]) return;
      expanded[data.id] = true;
      node.addClass("expanded");
      root.setAttribute("data-state", "loading");
      var params = Object.assign({ limit: 25 }, data.expand);
      fetchSlice(api, params).then(function (slice) {
        merge(slice, node);
        layout(cy, false);
        refresh();
        select(node);
        root.setAttribute("data-state", "ready");
      }).catch(function (error) {
        delete expanded[data.id];
        setStatus("Could not expand " + data.label, error.message, true);
        root.setAttribute("data-state", "error");
      });
    }

    function load() {
      setStatus("Building this graph slice", "Loading the nearby papers, people, topics and institutions.");
      root.setAttribute("data-state", "loading");
      var params = Object.assign({ depth: depthInput.value, limit: limit }, centreParams);
      fetchSlice(api, params).then(function (slice) {
        status.hidden = true;
        canvas.hidden = false;
        nodes = {};
        expanded = {};
        slice.nodes.forEach(function (node) { nodes[node.id] = node; });
        if (cy) cy.destroy();
        cy = draw(canvas, slice);
        expanded[slice.centre.id] = true;
        cy.getElementById(slice.centre.id).addClass("expanded");
        window.bzGraph.explorer = cy;
        cy.on("tap", "node", function (event) {
          select(event.target);
          expand(event.target);
        });
        refresh();
        root.querySelector("[data-graph-left-out]").textContent = summarise(slice);
        root.setAttribute("data-state", "ready");
      }).catch(function (error) {
        setStatus("The graph could not be loaded", error.message, true);
        root.setAttribute("data-state", "error");
      });
    }

    kindInputs.forEach(function (input) { input.addEventListener("change", applyFilters); });
    [yearFrom, yearTo].forEach(function (input) { input.addEventListener("input", applyFilters); });
    depthInput.addEventListener("change", load);
    root.querySelector("[data-graph-fit]").addEventListener("click", function () { if (cy) cy.fit(undefined, 24); });
    load();
  }

  window.bzGraph = window.bzGraph || {};
  function start() {
    if (!window.cytoscape) return;
    Array.prototype.forEach.call(document.querySelectorAll("[data-graph-slice]"), initPanel);
    var explorer = document.querySelector("[data-graph-explorer]");
    if (explorer) initExplorer(explorer);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
