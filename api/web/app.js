/* textinsight dashboard: a thin client over the JSON API.
 *
 * State lives in the URL hash (#/view/arg?filters...), so every view can be bookmarked
 * and shared. The API key is kept in sessionStorage and sent in the X-API-Key header,
 * never in a URL. Charts are plotly figures built by the server (textinsight.charts).
 */
(function () {
  "use strict";

  var KEY = "textinsight.key";
  var FILTERS = ["since", "until", "channel", "language", "segment", "member", "store", "kind", "meta"];
  var PLOT_CONFIG = { displaylogo: false, responsive: true, modeBarButtonsToRemove: ["lasso2d"] };
  var timings = (window.__textinsight = { marks: {} });
  var facets = null;
  var renderId = 0;

  // -- helpers ---------------------------------------------------------------------

  function $(sel, root) { return (root || document).querySelector(sel); }

  function h(tag, attrs) {
    var el = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      var v = attrs[k];
      if (v === null || v === undefined || v === false) return;
      if (k === "text") el.textContent = v;
      else if (k.slice(0, 2) === "on") el.addEventListener(k.slice(2), v);
      else el.setAttribute(k, v === true ? "" : v);
    });
    for (var i = 2; i < arguments.length; i++) append(el, arguments[i]);
    return el;
  }

  function append(el, kid) {
    if (kid === null || kid === undefined || kid === false) return;
    if (Array.isArray(kid)) { kid.forEach(function (k) { append(el, k); }); return; }
    el.appendChild(typeof kid === "string" || typeof kid === "number" ? document.createTextNode(String(kid)) : kid);
  }

  /** Append children (arrays, strings; null and false skipped) to an element. */
  function put(el) {
    for (var i = 1; i < arguments.length; i++) append(el, arguments[i]);
    return el;
  }

  function fmt(n, digits) {
    if (n === null || n === undefined || Number.isNaN(n)) return "–";
    return Number(n).toLocaleString("en-US", { maximumFractionDigits: digits === undefined ? 0 : digits,
      minimumFractionDigits: digits === undefined ? 0 : Math.min(digits, 2) });
  }
  function pct(n, digits) { return n === null || n === undefined ? "–" : (100 * n).toFixed(digits === undefined ? 1 : digits) + "%"; }
  function signed(n, digits) { return n === null || n === undefined ? "–" : (n >= 0 ? "+" : "") + n.toFixed(digits || 2); }
  function lift(v, ci) {
    if (v === null || v === undefined) return "–";
    return v.toFixed(2) + (ci ? " [" + ci[0].toFixed(2) + "–" + ci[1].toFixed(2) + "]" : "");
  }
  function kindBadge(kind) {
    if (!kind) return "";
    return h("span", { "class": "badge kind-" + kind, text: kind.replace("_", " ") });
  }
  function status(text) { $("#status").textContent = text || ""; }

  // -- URL state -------------------------------------------------------------------

  function route() {
    var hash = location.hash.replace(/^#\/?/, "");
    var q = hash.indexOf("?");
    var path = (q < 0 ? hash : hash.slice(0, q)).split("/").filter(Boolean);
    return { view: path[0] || "themes", arg: path[1] || null,
      params: new URLSearchParams(q < 0 ? "" : hash.slice(q + 1)) };
  }

  function go(view, arg, params) {
    var qs = params.toString();
    location.hash = "#/" + view + (arg ? "/" + arg : "") + (qs ? "?" + qs : "");
  }

  function setParam(params, name, value) {
    if (value === null || value === undefined || value === "") params.delete(name);
    else params.set(name, value);
  }

  /** The filter part of the current URL as API query parameters. */
  function filterQuery(params, opts) {
    var out = new URLSearchParams();
    var skip = (opts && opts.skip) || [];
    FILTERS.forEach(function (name) {
      if (skip.indexOf(name) >= 0) return;
      var v = params.get(name);
      if (v) out.set(name, v);
    });
    return out;
  }

  function withFilters(view, arg, extra) {
    var params = filterQuery(route().params);
    Object.keys(extra || {}).forEach(function (k) { setParam(params, k, extra[k]); });
    return "#/" + view + (arg ? "/" + arg : "") + (params.toString() ? "?" + params : "");
  }

  // -- API -------------------------------------------------------------------------

  function api(path, params, opts) {
    var url = path + (params && params.toString() ? "?" + params : "");
    var init = { headers: { "X-API-Key": sessionStorage.getItem(KEY) || "" } };
    if (opts && opts.body) {
      init.method = "POST";
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(opts.body);
    }
    return fetch(url, init).then(function (r) {
      if (r.status === 401 && !(opts && opts.login)) { logout("Your key was not accepted; sign in again."); }
      return r.text().then(function (text) {
        var body = null;
        try { body = text ? JSON.parse(text) : null; } catch (e) { body = text; }
        if (!r.ok) {
          var detail = body && body.detail ? body.detail : r.statusText;
          if (Array.isArray(detail)) detail = detail.map(function (d) { return d.msg || JSON.stringify(d); }).join("; ");
          var err = new Error(detail);
          err.status = r.status;
          throw err;
        }
        return body;
      });
    });
  }

  function plot(el, path, params, onClick) {
    return api(path, params).then(function (fig) {
      if (!el.isConnected) return;
      Plotly.react(el, fig.data, fig.layout, PLOT_CONFIG);
      if (onClick) {
        el.removeAllListeners && el.removeAllListeners("plotly_click");
        el.on("plotly_click", function (ev) {
          var p = ev.points && ev.points[0];
          if (p && p.customdata !== undefined) onClick(p.customdata);
        });
      }
    });
  }

  function chartBox(label, cls) {
    return h("div", { "class": "chart " + (cls || ""), role: "img", "aria-label": label });
  }

  // -- login -----------------------------------------------------------------------

  function logout(message) {
    sessionStorage.removeItem(KEY);
    facets = null;
    showLogin(message || "");
  }

  function showLogin(message) {
    $("#login").hidden = false;
    $("#filters").hidden = true;
    $("#nav").hidden = true;
    $("#logout").hidden = true;
    $("#main").replaceChildren();
    $("#login-error").textContent = message || "";
    $("#api-key").focus();
  }

  function start() {
    $("#login").hidden = true;
    $("#filters").hidden = false;
    $("#nav").hidden = false;
    $("#logout").hidden = false;
    return loadFacets().then(render);
  }

  $("#login-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var key = $("#api-key").value.trim();
    sessionStorage.setItem(KEY, key);
    api("/facets", null, { login: true }).then(function (f) {
      facets = f;
      $("#api-key").value = "";
      start();
    }).catch(function (err) {
      sessionStorage.removeItem(KEY);
      $("#login-error").textContent = err.status === 401 ? "That key was not accepted." : err.message;
    });
  });
  $("#logout").addEventListener("click", function () { logout(""); });

  // -- filters ---------------------------------------------------------------------

  function fill(select, values, label) {
    var current = select.value;
    select.replaceChildren(h("option", { value: "", text: "All" }));
    values.forEach(function (v) { select.appendChild(h("option", { value: v, text: label ? label(v) : v })); });
    select.value = current;
  }

  function loadFacets() {
    if (facets) { syncFilters(); return Promise.resolve(); }
    return api("/facets").then(function (f) { facets = f; syncFilters(); });
  }

  function syncFilters() {
    fill($("#f-channel"), facets.channels);
    fill($("#f-language"), facets.languages);
    fill($("#f-segment"), facets.segments);
    fill($("#f-store"), facets.stores);
    fill($("#f-kind"), facets.kinds, function (k) { return k.replace("_", " "); });
    ["#f-since", "#f-until"].forEach(function (s) {
      if (facets.first_day) $(s).min = facets.first_day;
      if (facets.last_day) $(s).max = facets.last_day;
    });
    var params = route().params;
    FILTERS.forEach(function (name) {
      var el = $("#filters [name=" + name + "]");
      if (el) el.value = params.get(name) || "";
    });
  }

  $("#filters").addEventListener("change", function (ev) {
    var el = ev.target;
    if (!el.name) return;
    timings.filterStart = performance.now();
    var r = route();
    setParam(r.params, el.name, el.value);
    r.params.delete("page");
    go(r.view, r.arg, r.params);
  });
  $("#filters").addEventListener("submit", function (ev) { ev.preventDefault(); });
  $("#f-clear").addEventListener("click", function () {
    var r = route();
    FILTERS.forEach(function (n) { r.params.delete(n); });
    go(r.view, r.arg, r.params);
  });

  // -- views -----------------------------------------------------------------------

  var VIEWS = { themes: themesView, theme: themeView, quotes: quotesView, impact: impactView,
    compare: compareView, map: mapView };

  function render() {
    if (!sessionStorage.getItem(KEY)) { showLogin(""); return; }
    if (!facets) { start(); return; }
    var r = route();
    var view = VIEWS[r.view] ? r.view : "themes";
    document.querySelectorAll("#nav a").forEach(function (a) {
      var current = a.dataset.view === view || (view === "theme" && a.dataset.view === "themes");
      if (current) a.setAttribute("aria-current", "page"); else a.removeAttribute("aria-current");
      a.href = withFilters(a.dataset.view);
    });
    syncFilters();
    var main = $("#main");
    var id = ++renderId;
    var hash = location.hash;
    main.replaceChildren();
    main.dataset.view = view;
    main.dataset.ready = "";
    main.dataset.changes = "";
    status("Loading…");
    Promise.resolve(VIEWS[view](main, r, function () { return id === renderId; })).then(function () {
      if (id !== renderId) return;
      main.dataset.ready = view;
      main.dataset.route = hash;
      status("");
    }).catch(function (err) {
      if (id !== renderId) return;
      main.dataset.ready = view;
      main.dataset.route = hash;
      status("");
      main.appendChild(h("p", { "class": "error", role: "alert", text: err.message }));
    });
  }

  window.addEventListener("hashchange", render);

  // theme list ---------------------------------------------------------------------

  var COLUMNS = [
    { key: "label", title: "Theme" },
    { key: "kind", title: "Kind" },
    { key: "size", title: "Feedback", num: true },
    { key: "share", title: "Share", num: true },
    { key: "change", title: "Change", num: true },
    { key: "sentiment", title: "Sentiment", num: true },
    { key: "churn_lift", title: "Churn lift [95% CI]", num: true, narrow: true },
    { key: "repurchase_lift", title: "Repurchase lift [95% CI]", num: true, narrow: true },
    { key: "value_total", title: "Value affected", num: true, narrow: true },
    { key: "impact", title: "Impact", num: true },
  ];

  function themesView(main, r, live) {
    var params = r.params;
    var sort = params.get("sort") || "impact";
    var dir = params.get("dir") || (sort === "sentiment" || sort === "label" ? "asc" : "desc");
    var search = h("input", { id: "theme-search", type: "search", value: params.get("q") || "",
      placeholder: "label or keyword", "aria-controls": "theme-table" });
    var tbody = h("tbody");
    var summary = h("p", { "class": "note", id: "theme-count" });
    var head = h("tr");
    COLUMNS.forEach(function (c) {
      var th = h("th", { scope: "col", "class": (c.num ? "num" : "") + (c.narrow ? " hide-narrow" : "") },
        h("button", { type: "button", text: c.title, "data-sort": c.key, onclick: function () {
          var p = route().params;
          var same = (p.get("sort") || "impact") === c.key;
          setParam(p, "sort", c.key);
          setParam(p, "dir", same && dir === "desc" ? "asc" : same ? "desc" : (c.num ? "desc" : "asc"));
          go("themes", null, p);
        } }));
      if (c.key === sort) th.setAttribute("aria-sort", dir === "asc" ? "ascending" : "descending");
      head.appendChild(th);
    });
    put(main, 
      h("h2", { text: "Themes" }),
      h("div", { "class": "toolbar" },
        h("div", {}, h("label", { "for": "theme-search", text: "Search themes" }), search)),
      summary,
      h("div", { "class": "table-wrap" },
        h("table", { id: "theme-table" }, h("caption", { "class": "note", style: "caption-side:bottom;text-align:left;padding:6px",
          text: "Change: share of feedback in the period against the period before (★ significant, BH q ≤ 0.05). Lift: rate among the theme's customers over the rate among other customers." }),
          h("thead", {}, head), tbody)));
    var rows = [];
    var changes = {};
    search.addEventListener("input", function () {
      var p = route().params;
      setParam(p, "q", search.value);
      history.replaceState(null, "", "#/themes" + (p.toString() ? "?" + p : ""));
      draw();
    });

    function value(t, key) {
      if (key === "change") return changes[t.id] ? changes[t.id].change : null;
      return t[key];
    }

    function draw() {
      var needle = search.value.trim().toLowerCase();
      var shown = rows.filter(function (t) {
        return !needle || t.label.toLowerCase().indexOf(needle) >= 0 ||
          t.keywords.some(function (k) { return k.toLowerCase().indexOf(needle) >= 0; });
      });
      shown.sort(function (a, b) {
        var x = value(a, sort), y = value(b, sort);
        if (x === null || x === undefined) return 1;
        if (y === null || y === undefined) return -1;
        var c = typeof x === "string" ? x.localeCompare(y) : x - y;
        return (dir === "asc" ? c : -c) || b.size - a.size;
      });
      tbody.replaceChildren.apply(tbody, shown.map(row));
      summary.textContent = shown.length + " of " + rows.length + " themes" +
        (changes.__period ? " · change: " + changes.__period : "");
    }

    function row(t) {
      var ch = changes[t.id];
      var change = "…";
      if (ch) {
        var arrow = ch.direction === "up" ? "▲ " : ch.direction === "down" ? "▼ " : "";
        change = h("span", { "class": ch.direction === "same" ? "" : (ch.direction + " sig"),
          title: "q = " + ch.q_value.toPrecision(2) + (ch.significant ? " (significant)" : " (not significant)") },
          arrow + signed(100 * ch.change, 1) + " pp" + (ch.significant ? " ★" : ""));
      } else if (changes.__loaded) change = "–";
      return h("tr", { "data-theme": t.id },
        h("td", {}, h("a", { href: withFilters("theme", t.id), text: t.label }),
          h("div", { "class": "kw", text: t.keywords.slice(0, 5).join(", ") })),
        h("td", {}, kindBadge(t.kind)),
        h("td", { "class": "num", text: fmt(t.size) }),
        h("td", { "class": "num", text: pct(t.share) }),
        h("td", { "class": "num" }, change),
        h("td", { "class": "num", text: signed(t.sentiment) }),
        h("td", { "class": "num hide-narrow", text: lift(t.churn_lift, t.churn_lift_ci) }),
        h("td", { "class": "num hide-narrow", text: lift(t.repurchase_lift, t.repurchase_lift_ci) }),
        h("td", { "class": "num hide-narrow", text: fmt(t.value_total) }),
        h("td", { "class": "num", text: fmt(t.impact) }));
    }

    var q = filterQuery(params);
    q.set("limit", "500");
    q.set("sort", "size");
    var list = api("/themes", q).then(function (page) {
      if (!live()) return;
      rows = page.items;
      draw();
      timings.marks.themesPaint = performance.now();
      if (timings.filterStart) { timings.marks.filterChange = performance.now() - timings.filterStart; timings.filterStart = null; }
      main.dataset.listed = "1";
    });
    var cq = filterQuery(params, { skip: ["kind"] });
    // asked for once the list is drawn: on a small server the list comes first
    list.then(function () { return api("/changes", cq); }).then(function (res) {
      if (!live()) return;
      res.items.forEach(function (c) { changes[c.theme_id] = c; });
      changes.__loaded = true;
      changes.__period = res.b.since + " – " + res.b.until + " vs " + res.a.since + " – " + res.a.until;
      draw();
    }).catch(function () { changes.__loaded = true; if (live() && rows.length) draw(); }).then(function () {
      if (live()) { main.dataset.changes = "1"; }
    });
    return list;
  }

  // theme page --------------------------------------------------------------------

  function themeView(main, r, live) {
    var id = Number(r.arg);
    var params = r.params;
    var interval = params.get("interval") || "week";
    var fq = filterQuery(params, { skip: ["kind"] });
    var lq = new URLSearchParams(fq); lq.set("limit", "500"); lq.set("sort", "size");
    return Promise.all([api("/themes", lq), api("/themes/" + id)]).then(function (res) {
      if (!live()) return;
      var listed = res[0].items;
      var t = listed.filter(function (x) { return x.id === id; })[0];
      var filtered = !!t;
      t = t || res[1];
      var trend = chartBox("Feedback and sentiment over time");
      var sentiment = chartBox("Sentiment split", "small");
      var mix = chartBox("Lifecycle and loyalty mix", "mix");
      var intervalSel = h("select", { id: "interval" },
        ["day", "week", "month"].map(function (i) { return h("option", { value: i, text: i, selected: i === interval }); }));
      intervalSel.addEventListener("change", function () {
        var p = route().params; setParam(p, "interval", intervalSel.value); go("theme", id, p);
      });
      put(main, 
        h("p", {}, h("a", { href: withFilters("themes"), text: "← All themes" })),
        h("h2", { id: "theme-title" }, t.label + " ", kindBadge(t.kind)),
        h("div", { "class": "chips", "aria-label": "Keywords" }, t.keywords.map(function (k) { return h("span", { text: k }); })),
        filtered ? null : h("p", { "class": "note", text: "No feedback matches the filters; the numbers are the whole run's." }),
        cards(t),
        h("div", { "class": "grid2" },
          h("section", { "aria-labelledby": "trend-h" },
            h("h3", { id: "trend-h" }, "Trend"),
            h("div", { "class": "toolbar" }, h("div", {}, h("label", { "for": "interval", text: "Period" }), intervalSel)),
            trend),
          h("section", { "aria-labelledby": "sent-h" },
            h("h3", { id: "sent-h", text: "Sentiment split" }), sentiment,
            h("h3", { text: "Customers: lifecycle and loyalty" }), mix)),
        valueTable(t),
        actionList(res[1].actions || []),
        h("section", { "aria-labelledby": "quotes-h" },
          h("h3", { id: "quotes-h", text: "Representative quotes" }),
          t.quotes.map(function (q) { return h("blockquote", { text: q }); }),
          h("p", {}, h("a", { id: "explore-quotes", href: withFilters("quotes", null, { theme: id }), text: "Explore all " + fmt(t.size) + " quotes →" }))),
        h("div", { "class": "grid2" },
          h("section", { id: "history" }, h("h3", { text: "History" })),
          h("section", { id: "related" }, h("h3", { text: "Related themes" }))),
        curation(t, listed));
      var tq = new URLSearchParams(fq); tq.set("theme", id); tq.set("interval", interval);
      var sq = new URLSearchParams(fq); sq.set("theme", id);
      return Promise.all([
        plot(trend, "/charts/theme_trend", tq),
        plot(sentiment, "/charts/sentiment", sq),
        plot(mix, "/charts/mix", sq).catch(function () { mix.textContent = "No value data for this slice."; }),
        api("/themes/" + id + "/history").then(function (hist) { put($("#history"), historyList(hist)); }),
        api("/themes/" + id + "/related").then(function (rel) {
          put($("#related"), h("ul", { "class": "plain" }, rel.items.map(function (x, i) {
            return h("li", {}, h("a", { href: withFilters("theme", x.id), text: x.label }),
              h("span", { "class": "kw", text: " · similarity " + rel.similarity[i].toFixed(2) + " · " + fmt(x.size) + " feedback" }));
          })));
        }),
      ]);
    });
  }

  function cards(t) {
    function card(label, value, extra) {
      return h("div", { "class": "card" }, h("dt", { text: label }), h("dd", {}, value, extra ? h("small", { text: " " + extra }) : null));
    }
    return h("dl", { "class": "cards" },
      card("Feedback", fmt(t.size), pct(t.share)),
      card("Sentiment", signed(t.sentiment)),
      card("Customers", fmt(t.customers)),
      card("Value affected", fmt(t.value_total)),
      card("Churn", pct(t.churn_rate), "vs " + pct(t.churn_baseline)),
      card("Repurchase", pct(t.repurchase_rate), "vs " + pct(t.repurchase_baseline)),
      card("Impact", fmt(t.impact)));
  }

  function valueTable(t) {
    var rows = [
      ["Customers (distinct)", fmt(t.customers), "known: " + pct(t.known_customer_share)],
      ["Value of their customers", fmt(t.value_total), "median " + fmt(t.value_median) + ", top-decile share " + pct(t.top_decile_share)],
      ["Churn rate", pct(t.churn_rate), "baseline " + pct(t.churn_baseline) + ", lift " + lift(t.churn_lift, t.churn_lift_ci) + ", q " + (t.churn_q === null ? "–" : t.churn_q.toPrecision(2))],
      ["Repurchase rate", pct(t.repurchase_rate), "baseline " + pct(t.repurchase_baseline) + ", lift " + lift(t.repurchase_lift, t.repurchase_lift_ci) + ", q " + (t.repurchase_q === null ? "–" : t.repurchase_q.toPrecision(2))],
      ["NPS mean", fmt(t.nps_mean, 1), "baseline " + fmt(t.nps_baseline, 1)],
      ["Rating mean", fmt(t.rating_mean, 2), "baseline " + fmt(t.rating_baseline, 2)],
      ["Revenue at risk", fmt(t.revenue_at_risk), ""],
    ];
    return h("section", { "aria-labelledby": "value-h" }, h("h3", { id: "value-h", text: "Value breakdown" }),
      h("div", { "class": "table-wrap" }, h("table", { id: "value-table" },
        h("thead", {}, h("tr", {}, h("th", { scope: "col", text: "Metric" }), h("th", { scope: "col", "class": "num", text: "Theme" }), h("th", { scope: "col", text: "Against the reference" }))),
        h("tbody", {}, rows.map(function (r) {
          return h("tr", {}, h("th", { scope: "row", text: r[0] }), h("td", { "class": "num", text: r[1] }), h("td", { text: r[2] }));
        })))));
  }

  function actionList(reports) {
    if (!reports.length) return null;
    return h("section", { id: "actions", "aria-labelledby": "actions-h" },
      h("h3", { id: "actions-h", text: "Actions (dashed lines on the trend)" }),
      reports.map(function (r) {
        var a = r.action, e = r.effect;
        var scope = [["stores", a.stores], ["segments", a.segments], ["channels", a.channels]]
          .filter(function (s) { return s[1].length; })
          .map(function (s) { return s[0] + " " + s[1].join(", "); }).join("; ") || "everywhere";
        var lines = e ? e.outcomes.map(function (o) { return h("li", { text: o.message }); }) :
          [h("li", { text: "The " + a.level + " was retired: nothing to measure." })];
        if (e && e.money !== null && e.money_ci) {
          lines.push(h("li", { text: "money: " + fmt(e.money) + " retained (95% CI " + fmt(e.money_ci[0]) + " to " + fmt(e.money_ci[1]) + ")" }));
        }
        return h("div", { "class": "action" },
          h("h4", { text: "Action " + a.id + ": " + a.level + " " + a.theme_id + " from " + a.date + " (" + scope + ")" + (a.note ? ": " + a.note : "") }),
          e ? h("p", { "class": "note", text: "Compared with " + e.comparison + "; data to " + e.as_of + "." }) : null,
          h("ul", {}, lines));
      }));
  }

  function historyList(hist) {
    var items = hist.lineage.map(function (e) {
      var what = { same: "kept", split: "split from " + e.previous_ids.join(", "), merged: "merged from " + e.previous_ids.join(", "),
        "new": "new", retired: "retired" }[e.kind] || e.kind;
      return h("li", {}, h("strong", { text: "Run " + e.run_id }), " (" + (e.finished_at || "").slice(0, 10) + "): " + what +
        (e.similarity !== null ? " · similarity " + e.similarity.toFixed(2) : ""));
    });
    hist.curation.forEach(function (c) {
      var what = c.action === "rename" ? "renamed to “" + (c.label || "(described label)") + "”" :
        c.action === "merge" ? "theme " + c.theme_id + " merged into " + c.other_id : c.action;
      items.push(h("li", {}, h("strong", { text: c.at.slice(0, 16).replace("T", " ") }), ": " + what));
    });
    return items.length ? h("ul", { "class": "plain" }, items) : h("p", { "class": "note", text: "No history yet." });
  }

  function curation(t, listed) {
    var msg = h("p", { id: "curate-msg", role: "status" });
    var name = h("input", { id: "rename-input", type: "text", value: t.label, maxlength: 200 });
    var into = h("select", { id: "merge-into" }, h("option", { value: "", text: "Choose a theme" }),
      listed.filter(function (x) { return x.id !== t.id; }).map(function (x) { return h("option", { value: x.id, text: x.label + " (#" + x.id + ")" }); }));
    function send(path, body, done) {
      msg.textContent = "Saving…";
      api("/themes/" + t.id + "/" + path, null, { body: body }).then(function () {
        msg.textContent = "Saved.";
        done();
      }).catch(function (err) {
        msg.textContent = err.status === 403 ? "This needs a write key: sign in with one." : err.message;
      });
    }
    return h("section", { "aria-labelledby": "curate-h" }, h("h3", { id: "curate-h", text: "Curate (write key)" }),
      h("div", { "class": "curate" },
        h("form", { id: "rename-form", onsubmit: function (ev) { ev.preventDefault(); send("rename", { label: name.value }, render); } },
          h("label", { "for": "rename-input", text: "Name" }), name, " ", h("button", { type: "submit", text: "Rename" })),
        h("form", { id: "merge-form", onsubmit: function (ev) {
          ev.preventDefault();
          if (!into.value) { msg.textContent = "Choose the theme to merge into."; return; }
          var target = Number(into.value);
          send("merge", { into: target }, function () { go("theme", target, route().params); });
        } }, h("label", { "for": "merge-into", text: "Merge into" }), into, " ", h("button", { type: "submit", text: "Merge" })),
        h("button", { type: "button", id: "hide-button", "class": "secondary", text: "Hide theme", onclick: function () {
          send("hide", { hidden: true }, function () { go("themes", null, filterQuery(route().params)); });
        } })),
      msg);
  }

  // quote explorer -----------------------------------------------------------------

  var PAGE = 25;

  function quotesView(main, r, live) {
    var params = r.params;
    var theme = params.get("theme") || "";
    var text = params.get("text") || "";
    var semantic = params.get("semantic") || "";
    var page = Math.max(0, Number(params.get("page") || 0));
    var fq = filterQuery(params, { skip: ["kind"] });
    var lq = new URLSearchParams(fq); lq.set("limit", "500"); lq.set("sort", "size");
    return api("/themes", lq).then(function (list) {
      if (!live()) return;
      var themeSel = h("select", { id: "q-theme" }, h("option", { value: "", text: "Choose a theme" }),
        list.items.map(function (x) { return h("option", { value: x.id, text: x.label, selected: String(x.id) === theme }); }));
      var textIn = h("input", { id: "q-text", type: "search", value: text, placeholder: "words in the text" });
      var semIn = h("input", { id: "q-semantic", type: "search", value: semantic, placeholder: "meaning, e.g. parcel never came" });
      var form = h("form", { "class": "toolbar", id: "quote-form", onsubmit: function (ev) {
        ev.preventDefault();
        var p = route().params;
        setParam(p, "theme", themeSel.value); setParam(p, "text", textIn.value.trim());
        setParam(p, "semantic", semIn.value.trim()); p.delete("page");
        go("quotes", null, p);
      } },
        h("div", {}, h("label", { "for": "q-theme", text: "Theme" }), themeSel),
        h("div", {}, h("label", { "for": "q-text", text: "Full-text search" }), textIn),
        h("div", {}, h("label", { "for": "q-semantic", text: "Semantic search (all themes)" }), semIn),
        h("button", { type: "submit", text: "Search" }));
      themeSel.addEventListener("change", function () { form.requestSubmit(); });
      var out = h("div", { id: "quote-results" });
      put(main, h("h2", { text: "Quotes" }), form, out);
      if (semantic) return semanticResults(out, semantic, live);
      if (!theme) { put(out, h("p", { "class": "empty", text: "Choose a theme, or search by meaning across all themes." })); return; }
      var q = new URLSearchParams(fq);
      if (text) q.set("text", text);
      q.set("limit", String(PAGE)); q.set("offset", String(page * PAGE));
      return api("/themes/" + theme + "/feedback", q).then(function (res) {
        if (!live()) return;
        var from = res.total ? res.offset + 1 : 0, to = res.offset + res.items.length;
        put(out, 
          h("div", { "class": "toolbar" }, h("p", { "class": "note", id: "quote-count", text: "Showing " + from + "–" + to + " of " + fmt(res.total) + " quotes" }),
            h("button", { type: "button", id: "export-csv", "class": "secondary", text: "Export selection (CSV)", onclick: function () {
              exportSelection(theme, q, res.total);
            } })),
          quoteTable(res.items, false),
          h("div", { "class": "pager" },
            h("button", { type: "button", id: "prev-page", "class": "secondary", text: "← Previous", disabled: page === 0, onclick: function () {
              var p = route().params; setParam(p, "page", page - 1 || ""); go("quotes", null, p); } }),
            h("button", { type: "button", id: "next-page", "class": "secondary", text: "Next →", disabled: to >= res.total, onclick: function () {
              var p = route().params; setParam(p, "page", page + 1); go("quotes", null, p); } })));
      });
    });
  }

  function semanticResults(out, query, live) {
    var q = new URLSearchParams(); q.set("q", query); q.set("k", "50");
    return api("/search", q).then(function (res) {
      if (!live()) return;
      var items = res.items.map(function (hit) { var f = hit.feedback; f.score = hit.score; return f; });
      put(out, h("div", { "class": "toolbar" },
        h("p", { "class": "note", id: "quote-count", text: items.length + " closest in meaning to “" + query + "”" }),
        h("button", { type: "button", id: "export-csv", "class": "secondary", text: "Export selection (CSV)", onclick: function () {
          download("search.csv", toCsv(items));
        } })), quoteTable(items, true));
    });
  }

  function quoteTable(items, withScore) {
    if (!items.length) return h("p", { "class": "empty", text: "No quotes match." });
    return h("div", { "class": "table-wrap" }, h("table", { id: "quote-table" },
      h("thead", {}, h("tr", {}, [withScore ? "Score" : null, "Quote", "Date", "Channel", "Language", "Sentiment", "Segment", "Theme"]
        .filter(Boolean).map(function (c) { return h("th", { scope: "col", text: c }); }))),
      h("tbody", {}, items.map(function (f) {
        return h("tr", {}, withScore ? h("td", { "class": "num", text: f.score.toFixed(2) }) : null,
          h("td", { "class": "text", text: f.text }),
          h("td", { text: (f.created_at || "").slice(0, 10) }),
          h("td", { text: f.channel }), h("td", { text: f.language }),
          h("td", { "class": "num", text: signed(f.sentiment) }),
          h("td", { text: f.segment || "–" }),
          h("td", {}, f.theme_id ? h("a", { href: withFilters("theme", f.theme_id), text: f.theme_label || "#" + f.theme_id }) : "unassigned"));
      }))));
  }

  var CSV_COLUMNS = ["id", "source_id", "created_at", "channel", "language", "sentiment", "segment", "customer_id", "store_id",
    "rating", "nps", "theme_id", "theme_label", "text"];

  function toCsv(items) {
    function cell(v) {
      if (v === null || v === undefined) return "";
      var s = String(v);
      // as textinsight.csvsafe: text a spreadsheet would run as a formula gets a leading '
      if (typeof v === "string" && /^[=+\-@\t\r]/.test(s)) s = "'" + s;
      return /[",\n\r]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
    }
    return [CSV_COLUMNS.join(",")].concat(items.map(function (f) {
      return CSV_COLUMNS.map(function (c) { return cell(f[c]); }).join(",");
    })).join("\n") + "\n";
  }

  function download(name, text) {
    var url = URL.createObjectURL(new Blob([text], { type: "text/csv" }));
    var a = h("a", { href: url, download: name });
    document.body.appendChild(a);
    a.click();
    a.remove();
    timings.lastCsv = text;
    setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
  }

  function exportSelection(theme, q, total) {
    var pages = [];
    for (var off = 0; off < Math.min(total, 10000); off += 500) {
      var pq = new URLSearchParams(q); pq.set("limit", "500"); pq.set("offset", String(off));
      pages.push(api("/themes/" + theme + "/feedback", pq));
    }
    status("Exporting…");
    return Promise.all(pages).then(function (res) {
      var items = [].concat.apply([], res.map(function (p) { return p.items; }));
      download("theme-" + theme + "-quotes.csv", toCsv(items));
      status("Exported " + items.length + " quotes.");
    });
  }

  // impact -------------------------------------------------------------------------

  function impactView(main, r, live) {
    var fq = filterQuery(r.params, { skip: ["kind"] });
    var box = chartBox("Impact chart: customer value affected against outcome effect");
    var top = h("section", { id: "top-pain" });
    put(main, h("h2", { text: "Impact" }),
      h("p", { "class": "note", text: "Value of the customers behind each theme against how much worse (down) or better (up) their churn or repurchase is than other customers'. Circle area: customers. Click a circle to open the theme." }),
      box, top);
    var lq = new URLSearchParams(fq); lq.set("limit", "500"); lq.set("sort", "impact");
    return Promise.all([
      plot(box, "/charts/impact", fq, function (id) { location.hash = withFilters("theme", id); }),
      api("/themes", lq).then(function (page) {
        if (!live()) return;
        function item(t) {
          return h("li", {}, h("a", { href: withFilters("theme", t.id), text: t.label }),
            h("span", { "class": "kw", text: " · impact " + fmt(t.impact) + " · value " + fmt(t.value_total) +
              " · revenue at risk " + fmt(t.revenue_at_risk) + " · " + fmt(t.customers) + " customers" }),
            t.quotes[0] ? h("blockquote", { text: t.quotes[0] }) : null);
        }
        ["pain_point", "loyalty_driver"].forEach(function (kind) {
          var best = page.items.filter(function (t) { return t.kind === kind && t.impact; }).slice(0, 3);
          put(top, h("h3", { text: "Top " + kind.replace("_", " ") + "s by impact" }));
          if (best.length) { put(top, h("ol", { "class": "top-" + kind }, best.map(item))); return; }
          put(top, h("p", { "class": "note", text: "None is significant in this slice (too few customers, or no difference from the others)." }));
          if (kind !== "pain_point") return;
          // an honest fallback: the negative themes with the most customer value at risk
          var risk = page.items.filter(function (t) { return t.sentiment < 0 && t.revenue_at_risk; })
            .sort(function (a, b) { return b.revenue_at_risk - a.revenue_at_risk; }).slice(0, 3);
          if (risk.length) put(top, h("p", { "class": "note", text: "Negative themes with the most revenue at risk (not significant):" }),
            h("ol", { "class": "top-at-risk" }, risk.map(item)));
        });
      }),
    ]);
  }

  // compare ------------------------------------------------------------------------

  function compareView(main, r, live) {
    var p = r.params;
    var mode = p.get("mode") || "period";
    function input(name, type, label) {
      return h("div", {}, h("label", { "for": "c-" + name, text: label }),
        type === "segment" ? h("select", { id: "c-" + name, name: name }, h("option", { value: "", text: "All" }),
          facets.segments.map(function (s) { return h("option", { value: s, text: s, selected: p.get(name) === s }); }))
          : h("input", { id: "c-" + name, name: name, type: "date", value: p.get(name) || "" }));
    }
    var modeSel = h("select", { id: "c-mode", name: "mode" },
      h("option", { value: "period", text: "Two periods", selected: mode === "period" }),
      h("option", { value: "segment", text: "Two segments", selected: mode === "segment" }));
    var fields = mode === "period"
      ? [input("a_since", "date", "A from"), input("a_until", "date", "A to"), input("b_since", "date", "B from"), input("b_until", "date", "B to")]
      : [input("a_segment", "segment", "Segment A"), input("b_segment", "segment", "Segment B")];
    var form = h("form", { "class": "toolbar", id: "compare-form", onsubmit: function (ev) {
      ev.preventDefault();
      var q = route().params;
      new FormData(form).forEach(function (v, k) { setParam(q, k, v); });
      go("compare", null, q);
    } }, h("div", {}, h("label", { "for": "c-mode", text: "Compare" }), modeSel), fields, h("button", { type: "submit", text: "Compare" }));
    modeSel.addEventListener("change", function () { var q = route().params; setParam(q, "mode", modeSel.value); go("compare", null, q); });
    put(main, h("h2", { text: "Compare" }), h("p", { "class": "note", text: "Which themes take a significantly larger or smaller share of the feedback in B than in A (two-proportion test, Benjamini-Hochberg across themes). The other filters apply to both." }), form);
    var q = filterQuery(p, { skip: ["kind"].concat(mode === "period" ? ["since", "until"] : ["segment"]) });
    var ready = mode === "period" ? p.get("a_since") && p.get("b_since") : p.get("a_segment") && p.get("b_segment");
    if (!ready) { put(main, h("p", { "class": "empty", text: "Pick the two " + (mode === "period" ? "periods" : "segments") + " to compare." })); return; }
    if (mode === "period") {
      setParam(q, "since", p.get("a_since")); setParam(q, "until", p.get("a_until"));
      setParam(q, "b_since", p.get("b_since")); setParam(q, "b_until", p.get("b_until"));
    } else { setParam(q, "segment", p.get("a_segment")); setParam(q, "b_segment", p.get("b_segment")); }
    var box = chartBox("Share of each theme in A and in B");
    var table = h("div", { id: "compare-results" });
    put(main, h("div", { "class": "grid2" }, table, box));
    return Promise.all([
      api("/compare", q).then(function (res) {
        if (!live()) return;
        put(table, h("div", { "class": "table-wrap" }, h("table", { id: "compare-table" },
          h("thead", {}, h("tr", {}, ["Theme", "A", "B", "Change", "q"].map(function (c, i) { return h("th", { scope: "col", "class": i ? "num" : "", text: c }); }))),
          h("tbody", {}, res.items.map(function (c) {
            var arrow = c.direction === "up" ? "▲ " : c.direction === "down" ? "▼ " : "";
            return h("tr", { "data-direction": c.direction },
              h("td", {}, h("a", { href: withFilters("theme", c.theme_id), text: c.label || "#" + c.theme_id })),
              h("td", { "class": "num", text: pct(c.share_a) + " (" + c.count_a + ")" }),
              h("td", { "class": "num", text: pct(c.share_b) + " (" + c.count_b + ")" }),
              h("td", { "class": "num " + (c.direction === "same" ? "" : c.direction + " sig"), text: arrow + signed(100 * c.change, 1) + " pp" + (c.significant ? " ★" : "") }),
              h("td", { "class": "num", text: c.q_value.toPrecision(2) }));
          })))));
      }),
      plot(box, "/charts/compare", q, function (id) { location.hash = withFilters("theme", id); }),
    ]);
  }

  // map + emerging -----------------------------------------------------------------

  function mapView(main, r, live) {
    var fq = filterQuery(r.params, { skip: ["kind"] });
    var box = chartBox("Theme map: similar themes are close together", "map");
    var em = h("section", { id: "emerging" }, h("h3", { text: "Emerging theme candidates" }));
    put(main, h("h2", { text: "Theme map" }),
      h("p", { "class": "note", text: "Themes close together are similar. Circle area: feedback; colour: sentiment. Click a circle to open the theme." }),
      box, em);
    var emerging = api("/emerging").then(function (res) {
      if (!live()) return;
      put(em, h("p", { "class": "note", text: fmt(res.pool) + " feedback items have no theme; " + res.items.length + " candidate(s), by customer value." }));
      if (res.items.length) put(em, h("div", { "class": "table-wrap" }, h("table", { id: "emerging-table" },
        h("thead", {}, h("tr", {}, ["Candidate", "Items", "Customers", "Value", "Growth", "Quote"].map(function (c, i) { return h("th", { scope: "col", "class": i && i < 5 ? "num" : "", text: c }); }))),
        h("tbody", {}, res.items.map(function (e) {
          return h("tr", {}, h("td", { text: e.label }), h("td", { "class": "num", text: fmt(e.size) }),
            h("td", { "class": "num", text: fmt(e.customers) }), h("td", { "class": "num", text: fmt(e.value_total) }),
            h("td", { "class": "num", text: "×" + e.growth.toFixed(1) }), h("td", { "class": "text", text: e.quotes[0] || "" }));
        })))));
    }).catch(function (err) { put(em, h("p", { "class": "note", text: "Emerging themes unavailable: " + err.message })); });
    return Promise.all([plot(box, "/charts/map", fq, function (id) { location.hash = withFilters("theme", id); }), emerging]);
  }

  // -- start -----------------------------------------------------------------------

  if (sessionStorage.getItem(KEY)) start().catch(function () { showLogin(""); });
  else showLogin("");
})();
