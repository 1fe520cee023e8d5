/* geoplan review map (MIT): the map itself. Inlined last of geoplan's scripts
 * (geoplan/maps/page.py SCRIPTS); GeoplanReview.init(map, data) is called by
 * the page once Leaflet's map exists.
 *
 * Builds the shared context (ctx) every part uses: the unpacked data, the
 * lineage indexes, panes and renderers, the layers of new units, province
 * outlines, old units (lazily), repairs and the overlays (split pieces, plan
 * audit, reference); then the parts in their own files: content (tooltips
 * and popups), marks (grouped markers), labels, search, legend, tools
 * (title, footer, toolbar, swipe, print view).
 */
(function (window, document, L) {
  'use strict';
  var GR = window.GeoplanReview = window.GeoplanReview || {};
  var U_ = GR.util;

  // panes: units < old < provinces < highlight < labels < grouped marks. The units' canvas is
  // the only interactive one (a canvas above it would catch every pointer event): repairs,
  // overlays and single marks are drawn in it, above the units; the grouped marks are DOM
  // badges, which catch only their own events.
  function panes(map) {
    [['gp-units', 410, true], ['gp-old', 420, false], ['gp-prov', 430, false], ['gp-hl', 440, false],
     ['gp-labels', 450, false], ['gp-marks', 460, false]]
      .forEach(function (p) {
        var pane = map.createPane(p[0]);
        pane.style.zIndex = String(p[1]);
        pane.style.pointerEvents = p[2] ? 'auto' : 'none';
      });
    return {
      units: L.canvas({ pane: 'gp-units', padding: 0.2, tolerance: 3 }),
      old: L.canvas({ pane: 'gp-old', padding: 0.2 }),
      prov: L.canvas({ pane: 'gp-prov', padding: 0.2 }),
      hl: L.canvas({ pane: 'gp-hl', padding: 0.2 })
    };
  }

  // Lineage rows by new unit, by old code, and by the code of a new unit
  // without polygon; new units by code.
  function lineageIndex(ctx) {
    var U = ctx.U, G = ctx.G, nG = G ? G.oldCode.length : 0;
    ctx.linByUnit = Object.create(null);
    ctx.linByOld = Object.create(null);
    ctx.linByMissing = Object.create(null);
    for (var g = 0; g < nG; g++) {
      var ui = G.unit[g];
      if (ui >= 0) {
        (ctx.linByUnit[ui] = ctx.linByUnit[ui] || []).push(g);
        if (G.newName[g] === null) G.newName[g] = U.name[ui];
        if (G.newCode[g] === null) G.newCode[g] = U.code[ui];
      } else if (G.newCode[g]) {
        (ctx.linByMissing[G.newCode[g]] = ctx.linByMissing[G.newCode[g]] || []).push(g);
      }
      var oc = G.oldCode[g];
      if (oc !== null && oc !== '') (ctx.linByOld[oc] = ctx.linByOld[oc] || []).push(g);
    }
    ctx.unitByCode = Object.create(null);
    for (var i = 0; i < U.code.length; i++) ctx.unitByCode[U.code[i]] = i;
  }

  // Where each old polygon went: with the result's features table (O.unit,
  // O.member, O.linkedBy, by row) also for polygons linked by name; without
  // it, by joining the polygon's own code to the lineage. Old polygons lying
  // apart from the rest of their new unit (O.detached: their rows) and the
  // lineage rows they make: same new unit, same plan code (or name, when none).
  function placements(ctx) {
    var O = ctx.O, G = ctx.G;
    ctx.placed = !!(O && O.unit);
    ctx.memberOf = function (j) {
      if (!O.member) return O.code[j];
      return O.member[j] === null ? O.code[j] : O.member[j];
    };
    ctx.oldRows = function (j) {
      var member = ctx.memberOf(j);
      return (G && member && ctx.linByOld[member]) || [];
    };
    ctx.apart = Object.create(null);
    ctx.apartRows = Object.create(null);
    ctx.apartKey = function (u, code, name) { return u + '|' + (code ? code : '|' + name); };
    ctx.nApart = 0;
    ((O && O.detached) || []).forEach(function (j) {
      ctx.apart[j] = true;
      ctx.apartRows[ctx.apartKey(O.unit[j], ctx.memberOf(j), O.name[j])] = true;
      ctx.nApart++;
    });
  }

  function colours(ctx) {
    var U = ctx.U, measures = ctx.data.measures;
    ctx.measure = ctx.data.colorBy;
    ctx.colorFor = function (name, i) {
      var m = measures[name], v = U[m.field][i];
      if (m.suspect && U.declFlag && m.suspect.flags.indexOf(U.declFlag[i]) >= 0) return m.suspect.color;
      if (!U_.isNum(v)) return m.missing;
      var k = 0;
      while (k < m.breaks.length && v >= m.breaks[k]) k++;
      return m.colors[k];
    };
    ctx.setMeasure = function (name) {
      ctx.measure = name;
      ctx.unitLayers.forEach(function (l) { if (l) l.setStyle({ fillColor: ctx.colorFor(name, l.gpIndex) }); });
    };
  }

  function polygons(ctx, section, style, bind) {
    var group = L.featureGroup(), layers = new Array(section ? section.geom.length : 0);
    for (var i = 0; i < layers.length; i++) {
      var geom = section.geom[i];
      if (!geom || !geom.length) continue;
      var lyr = U_.gpPolygon(U_.geomLatLngs(geom, ctx.arcs[section.topo]), style(i));
      lyr.gpIndex = i;
      if (bind) bind(lyr);
      group.addLayer(lyr);
      layers[i] = lyr;
    }
    return { group: group, layers: layers };
  }

  function tooltipOptions() {
    return { sticky: true, direction: 'top', className: 'gp-tooltip', opacity: 0.95 };
  }

  function newUnits(ctx) {
    var plain = !ctx.data.tiles, C = ctx.content;
    var built = polygons(ctx, ctx.U, function (i) {
      return {
        pane: 'gp-units', renderer: ctx.render.units, color: '#4d4d4d', weight: 0.6, opacity: 0.9,
        fillColor: ctx.colorFor(ctx.measure, i), fillOpacity: plain ? 0.8 : 0.6
      };
    }, function (lyr) {
      lyr.bindTooltip(C.unitTooltip, tooltipOptions());
      lyr.bindPopup(C.unitPopup, ctx.popupOptions({ maxWidth: 520 }));
    });
    ctx.groups.units = built.group;
    ctx.unitLayers = built.layers;
    var prov = polygons(ctx, ctx.P, function () {
      return { pane: 'gp-prov', renderer: ctx.render.prov, fill: false, color: '#111', weight: 1.8, opacity: 0.9, interactive: false };
    });
    ctx.groups.prov = prov.group;
    ctx.provLayers = prov.layers;
  }

  // old units: built on first use, one object for overlay and swipe
  function oldUnits(ctx) {
    var O = ctx.O, group = L.featureGroup(), mode = 'overlay';
    var STYLE = {
      overlay: { color: '#7b2d6b', weight: 1.1, opacity: 0.95, dashArray: '4 3', fill: false },
      compare: { color: '#6b4e16', weight: 0.8, opacity: 0.9, dashArray: null, fill: true, fillColor: '#efe1bd', fillOpacity: 0.9 }
    };
    ctx.oldLayers = null;
    ctx.ensureOld = function () {
      if (ctx.oldLayers || !O) return;
      var built = polygons(ctx, O, function () {
        return L.extend({ pane: 'gp-old', renderer: ctx.render.old, interactive: mode === 'compare' }, STYLE[mode]);
      }, function (lyr) {
        lyr.bindTooltip(ctx.content.oldTooltip, tooltipOptions());
        lyr.bindPopup(ctx.content.oldPopup, ctx.popupOptions({ maxWidth: 520 }));
      });
      built.layers.forEach(function (l) { if (l) group.addLayer(l); });
      ctx.oldLayers = built.layers;
    };
    ctx.setOldMode = function (m) {
      mode = m;
      ctx.map.getPane('gp-old').style.pointerEvents = m === 'compare' ? 'auto' : 'none';
      (ctx.oldLayers || []).forEach(function (ol) {
        if (!ol) return;
        ol.options.interactive = m === 'compare';
        ol.setStyle(STYLE[m]);
      });
    };
    group.on('add', ctx.ensureOld);
    ctx.groups.old = group;
  }

  // Repairs not to review, tens of thousands in a national merge, are drawn
  // only from zoom RV.minZoom and only where the map looks; those to review
  // are drawn from the start (their markers are grouped by marks.js).
  function repairs(ctx) {
    var R = ctx.R, RV = ctx.data.repairView, map = ctx.map, nR = R ? R.kind.length : 0;
    ctx.isReview = new Uint8Array(nR);
    if (RV) RV.review.forEach(function (k) { ctx.isReview[k] = 1; });
    var REPAIR = ctx.REPAIR = { review: '#ff00ff', small: '#ff80ff', mark: '#000000' };
    function repairLayers(r, review) {
      var out = [];
      if (R.geom[r] && R.geom[r].length) {
        var rp = U_.gpPolygon(U_.geomLatLngs(R.geom[r], ctx.arcs[R.topo]), {
          pane: 'gp-units', renderer: ctx.render.units, color: REPAIR.review, weight: review ? 1.5 : 0.8,
          fillColor: review ? REPAIR.review : REPAIR.small, fillOpacity: review ? 0.35 : 0.5
        });
        rp.gpIndex = r;
        rp.bindPopup(ctx.content.repairPopup, ctx.popupOptions());
        out.push(rp);
      }
      if (!review && R.pt[r]) {
        var rm = L.circleMarker(R.pt[r], {
          pane: 'gp-units', renderer: ctx.render.units, radius: 3, weight: 1, color: '#fff', fillColor: REPAIR.small, fillOpacity: 1
        });
        rm.gpIndex = r;
        rm.bindPopup(ctx.content.repairPopup, ctx.popupOptions());
        out.push(rm);
      }
      return out;
    }
    // the shapes of the repairs to review show from SHAPES_FROM (below it they are specks,
    // and their grouped marks say where they are); the group itself is the switch
    var review = L.featureGroup(), shapes = ctx.groups.shapes = L.featureGroup(), built = false, SHAPES_FROM = 9;
    ctx.reviewShapes = [];
    function syncShapes() {
      var want = map.hasLayer(review) && map.getZoom() >= SHAPES_FROM;
      if (want && !built) {
        built = true;
        (RV ? RV.review : []).forEach(function (r) {
          repairLayers(r, true).forEach(function (l) { shapes.addLayer(l); ctx.reviewShapes.push(l); });
        });
      }
      if (want !== map.hasLayer(shapes)) map[want ? 'addLayer' : 'removeLayer'](shapes);
    }
    review.on('add remove', syncShapes);
    map.on('zoomend', syncShapes);
    var small = L.featureGroup(), layers = Object.create(null), shown = Object.create(null), boxes = null;
    ctx.nSmallShown = 0;
    function smallBoxes() {  // [west, south, east, north] of every repair not to review, from its arcs
      var out = new Float64Array(4 * nR), arcs = ctx.arcs[R.topo];
      for (var r = 0; r < nR; r++) {
        var w = Infinity, s = Infinity, e = -Infinity, n = -Infinity, geom = R.geom[r];
        if (!ctx.isReview[r] && geom && geom.length) {
          geom.forEach(function (poly) {
            poly[0].forEach(function (ref) {
              var b = arcs.bbox(ref >= 0 ? ref : -ref - 1);
              w = Math.min(w, b[0]); s = Math.min(s, b[1]); e = Math.max(e, b[2]); n = Math.max(n, b[3]);
            });
          });
        } else if (!ctx.isReview[r] && R.pt[r]) {
          w = e = R.pt[r][1];
          s = n = R.pt[r][0];
        }
        out[4 * r] = w; out[4 * r + 1] = s; out[4 * r + 2] = e; out[4 * r + 3] = n;
      }
      return out;
    }
    function sync() {
      if (!map.hasLayer(small)) return;
      var next = Object.create(null), count = 0, r;
      if (map.getZoom() >= RV.minZoom) {
        boxes = boxes || smallBoxes();
        var v = map.getBounds().pad(0.3), w = v.getWest(), s = v.getSouth(), e = v.getEast(), n = v.getNorth();
        for (r = 0; r < nR; r++) {
          if (ctx.isReview[r] || boxes[4 * r] > e || boxes[4 * r + 2] < w || boxes[4 * r + 1] > n || boxes[4 * r + 3] < s) continue;
          next[r] = true;
          count++;
          if (shown[r]) continue;
          (layers[r] = layers[r] || repairLayers(r, false)).forEach(function (l) { small.addLayer(l); });
        }
      }
      for (r in shown) if (!next[r]) layers[r].forEach(function (l) { small.removeLayer(l); });
      shown = next;
      ctx.nSmallShown = count;
    }
    small.on('add', sync);
    small.on('remove', function () {
      small.clearLayers();
      shown = Object.create(null);
      ctx.nSmallShown = 0;
    });
    map.on('moveend', sync);
    ctx.groups.review = review;
    ctx.groups.small = small;
  }

  // split pieces, plan audit, reference polygons: layers when the result has them
  function overlays(ctx) {
    var C = ctx.content;
    if (ctx.S) {
      ctx.groups.pieces = polygons(ctx, ctx.S, function () {
        return { pane: 'gp-units', renderer: ctx.render.units, color: '#1b7837', weight: 1.4, dashArray: '5 3', fillColor: '#5aae61', fillOpacity: 0.25 };
      }, function (lyr) {
        lyr.bindTooltip(C.pieceTooltip, tooltipOptions());
      }).group;
    }
    if (ctx.A && ctx.A.geom) {
      ctx.groups.auditAreas = polygons(ctx, ctx.A, function () {
        return { pane: 'gp-units', renderer: ctx.render.units, color: '#1a1a1a', weight: 1.6, fillColor: '#1a1a1a', fillOpacity: 0.3 };
      }, function (lyr) {
        lyr.bindTooltip(C.auditTooltip, tooltipOptions());
        lyr.bindPopup(C.auditPopup, ctx.popupOptions());
      }).group;
    }
    if (ctx.F) {
      ctx.groups.reference = polygons(ctx, ctx.F, function () {
        return { pane: 'gp-units', renderer: ctx.render.units, color: '#01665e', weight: 1.2, dashArray: '2 4', fill: true, fillOpacity: 0 };
      }, function (lyr) {
        lyr.bindTooltip(C.referenceTooltip, tooltipOptions());
      }).group;
    }
  }

  function highlighter(ctx) {
    var hl = L.featureGroup().addTo(ctx.map);
    ctx.highlight = function (layers) {
      hl.clearLayers();
      layers.forEach(function (l) {
        hl.addLayer(U_.gpPolygon(l.getLatLngs(), {
          pane: 'gp-hl', renderer: ctx.render.hl, fill: false, color: '#00c2e0', weight: 4, opacity: 1, interactive: false
        }));
      });
    };
    ctx.clearHighlight = function () { hl.clearLayers(); };
  }

  function layerControl(ctx) {
    var T = ctx.T, data = ctx.data, R = ctx.R, RV = data.repairView, g = ctx.groups, overlaysList = {};
    function name(key, count) {
      return T.t(data.schematic ? 'layer_schematic' : 'layer', { name: T.t(key), count: count });
    }
    var nNoPolygon = ctx.nNoPolygon, nUnits = ctx.unitLayers.filter(Boolean).length;
    overlaysList[name('new_units', T.fmt(nUnits) + (nNoPolygon ? T.t('layer_without_polygon', { n: T.fmt(nNoPolygon) }) : ''))] = g.units;
    if (ctx.provLayers.filter(Boolean).length) overlaysList[name('province_outlines', T.fmt(ctx.provLayers.filter(Boolean).length))] = g.prov;
    overlaysList[T.t('labels_layer')] = g.labels;
    if (ctx.O) overlaysList[name('old_units', T.fmt(ctx.O.name.length))] = g.old;
    ctx.marks.kinds.forEach(function (k) {
      if (k.count) overlaysList[T.t(k.layerKey, { n: T.fmt(k.count), total: T.fmt(R ? R.kind.length : 0) })] = k.group;
    });
    if (RV && !RV.all) overlaysList[T.t('layer_small_repairs', { n: T.fmt(R.kind.length - RV.review.length), zoom: RV.minZoom })] = g.small;
    if (g.pieces) overlaysList[T.t('layer_pieces', { n: T.fmt(ctx.S.geom.length) })] = g.pieces;
    if (g.auditAreas) overlaysList[T.t('layer_audit_areas', { n: T.fmt(ctx.A.kind.length) })] = g.auditAreas;
    if (g.reference) overlaysList[T.t('layer_reference', { n: T.fmt(ctx.F.geom.length) })] = g.reference;
    // a narrow map folds the layer list into Leaflet's layers button
    var control = L.control.layers(null, overlaysList, {
      collapsed: ctx.map.getContainer().clientWidth < 640, position: 'topright'
    }).addTo(ctx.map);
    L.DomUtil.addClass(control.getContainer(), 'gp-layers');
  }

  // New units of the plan without a polygon: in the units table without
  // geometry, or only in the lineage (data.missingUnits, from placement.py:
  // expected in the layer, none made up). Search entries, counted in the legend.
  function noPolygonUnits(ctx) {
    var U = ctx.U, G = ctx.G, out = [];
    for (var a = 0; a < U.code.length; a++) {
      if (!ctx.unitLayers[a]) out.push({ kind: 'new', i: a, name: U.name[a], code: U.code[a], parent: U.parent[a], rows: ctx.linByUnit[a] || [] });
    }
    (ctx.data.missingUnits || []).forEach(function (code) {
      var rows = ctx.linByMissing[code] || [];
      out.push({ kind: 'new', i: -1, name: (rows.length && G.newName[rows[0]]) || code, code: code, parent: null, rows: rows });
    });
    out.forEach(function (e) { e.sub = [e.parent, ctx.T.t('no_polygon')].filter(Boolean).join(' \u00b7 '); });
    return out;
  }

  function renderedIn(renderer, layers) {
    var n = 0;
    layers.forEach(function (l) { if (l && l._map && renderer._layers[L.stamp(l)]) n++; });
    return n;
  }

  function publish(ctx, api) {
    var map = ctx.map, container = map.getContainer();
    api.fold = U_.fold;
    api.stats = function () {
      return L.extend({
        units: renderedIn(ctx.render.units, ctx.unitLayers),
        provinces: renderedIn(ctx.render.prov, ctx.provLayers),
        old: ctx.oldLayers ? renderedIn(ctx.render.old, ctx.oldLayers) : 0,
        smallRepairs: map.hasLayer(ctx.groups.small) ? ctx.nSmallShown : 0,
        repairShapes: renderedIn(ctx.render.units, ctx.reviewShapes),
        arcs: ctx.arcs.reduce(function (n, a) { return n + a.nArcs; }, 0),
        points: ctx.arcs.reduce(function (n, a) { return n + a.nPoints; }, 0),
        compare: ctx.swipe.on,
        zoom: map.getZoom()
      }, ctx.marks.stats(), ctx.labels.stats());
    };
    api.pointOf = function (kind, code) {
      var pt = null, O = ctx.O;
      if (kind === 'new') {
        var i = ctx.unitByCode[code];
        if (i !== undefined) pt = ctx.U.pt[i];
      } else if (O) {
        for (var j = 0; j < O.code.length; j++) if (O.code[j] === code || ctx.memberOf(j) === code) { pt = O.pt[j]; break; }
      }
      if (!pt) return null;
      var cp = map.latLngToContainerPoint(pt), rect = container.getBoundingClientRect();
      return { x: cp.x + rect.left, y: cp.y + rect.top };
    };
  }

  function init(map, data) {
    var t0 = window.performance.now();
    var api = { map: map, data: data, ready: false };
    window.geoplanReview = api;
    var container = map.getContainer();
    L.DomUtil.addClass(container, 'gp-map');
    if (!data.tiles) L.DomUtil.addClass(container, 'gp-plain');
    document.title = data.title;
    document.documentElement.lang = data.lang || 'en';
    var unpack = U_.unpack;
    var ctx = {
      map: map, data: data, api: api, T: U_.texts(data), arcs: U_.arcSets(data.topo), groups: {},
      U: unpack(data.units), P: unpack(data.provinces), O: unpack(data.old), R: unpack(data.repairs),
      G: unpack(data.lineage), S: unpack(data.pieces), A: unpack(data.audit), F: unpack(data.reference)
    };
    map.fitBounds(data.bounds, { animate: false });  // the final view first: layers are projected once, at this zoom
    ctx.render = panes(map);
    if (data.tiles) {  // attribution is geoplan's constant (page.py BASEMAPS), not data
      L.tileLayer(data.tiles.url, { maxZoom: 19, attribution: data.tiles.attribution }).addTo(map);
    }
    map.attributionControl.addAttribution(ctx.T.t('attribution'));
    // popups pan clear of the title bar (tools.js sets the top padding) and of the legend (legend.js)
    ctx.popupPad = L.point(10, 50);
    ctx.popupPadEnd = L.point(10, 10);
    ctx.popupOptions = function (more) {
      return L.extend({ className: 'gp-leaflet-popup', autoPanPaddingTopLeft: ctx.popupPad,
        autoPanPaddingBottomRight: ctx.popupPadEnd }, more);
    };
    lineageIndex(ctx);
    placements(ctx);
    colours(ctx);
    ctx.content = GR.content(ctx);
    newUnits(ctx);
    oldUnits(ctx);
    repairs(ctx);
    overlays(ctx);
    highlighter(ctx);
    ctx.nNoPolygon = (ctx.noPolygonUnits = function () { return noPolygonUnits(ctx); })().length;
    ctx.groups.units.addTo(map);
    ctx.groups.prov.addTo(map);
    ctx.groups.units.on('add', function () {  // units switched on again: drawn last, they would hide the rest
      ['shapes', 'small', 'pieces', 'auditAreas', 'reference', 'drawn'].forEach(function (name) {
        var g = ctx.groups[name];
        if (g && map.hasLayer(g)) g.eachLayer(function (l) { if (l.bringToFront) l.bringToFront(); });
      });
    });
    ctx.marks = GR.marks(ctx);
    ctx.labels = GR.labels(ctx);
    ctx.groups.labels = ctx.labels.group;
    if (ctx.data.repairView && ctx.data.repairView.review.length) ctx.groups.review.addTo(map);
    if (ctx.data.repairView && !ctx.data.repairView.all) ctx.groups.small.addTo(map);
    ctx.labels.group.addTo(map);
    ctx.tools = GR.tools(ctx);
    layerControl(ctx);
    L.control.scale({ imperial: false, position: 'bottomleft' }).addTo(map);
    ctx.legend = GR.legend(ctx);
    ctx.search = GR.search(ctx);
    ctx.marks.place();
    ctx.relabel();
    api.search = ctx.search.search;
    api.setCompare = ctx.tools.setCompare;
    api.setSwipe = ctx.tools.setSwipe;
    api.setPrintView = ctx.tools.setPrintView;
    api.setMeasure = function (name) { ctx.setMeasure(name); ctx.legend.render(); };
    api.labels = ctx.labels.shown;
    api.searchKey = ctx.search.searchKey;
    publish(ctx, api);
    api.initMs = window.performance.now() - t0;
    window.requestAnimationFrame(function () {
      window.requestAnimationFrame(function () {
        api.ready = true;
        api.readyMs = window.performance.now();
        document.documentElement.setAttribute('data-geoplan-ready', '1');
      });
    });
    return api;
  }

  function safeInit(map, data) {
    try {
      return init(map, data);
    } catch (err) {
      var box = document.createElement('div');
      box.className = 'gp-error';
      box.textContent = ((data && data.texts && data.texts.failed) || 'geoplan') + ' ' + (err && err.message ? err.message : String(err));
      document.body.appendChild(box);
      throw err;
    }
  }

  GR.init = safeInit;
})(window, document, window.L);
