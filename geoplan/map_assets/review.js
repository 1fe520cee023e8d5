/* geoplan review map (MIT). Inlined into the HTML written by geoplan/review_map.py.
 *
 * Decodes the compact arc encoding of geoplan/map_topology.py, draws new units,
 * province outlines, old units (lazily), flagged links and repairs, and adds a
 * search box, a legend, a before/after swipe and a fullscreen button.
 *
 * Safety rule: every text that comes from the data is put into the page with
 * textContent (el() below), never with innerHTML or string-built HTML.
 */
(function (window, document, L) {
  'use strict';

  // ---------------------------------------------------------------- helpers
  function fold(s) {
    return String(s === null || s === undefined ? '' : s)
      .normalize('NFD')
      .replace(/[\u0300-\u036f]/g, '')
      .replace(/[\u0111\u0110]/g, 'd')
      .toLowerCase()
      .replace(/\s+/g, ' ')
      .trim();
  }

  function el(tag, cls, text, parent) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (parent) parent.appendChild(e);
    return e;
  }

  function isNum(v) {
    return typeof v === 'number' && isFinite(v);
  }

  var formats = {};
  function fmt(v, digits) {
    if (!isNum(v)) return '\u2013';
    var d = digits || 0;
    var f = formats[d] || (formats[d] = new Intl.NumberFormat('en-US', {
      minimumFractionDigits: d,
      maximumFractionDigits: d
    }));
    return f.format(v);
  }

  var SVG = 'http://www.w3.org/2000/svg';
  // small stroke icons, built as DOM (no markup strings)
  function icon(parent, paths) {
    var svg = document.createElementNS(SVG, 'svg');
    svg.setAttribute('viewBox', '0 0 20 20');
    svg.setAttribute('width', '18');
    svg.setAttribute('height', '18');
    svg.setAttribute('aria-hidden', 'true');
    paths.forEach(function (d) {
      var p = document.createElementNS(SVG, 'path');
      p.setAttribute('d', d);
      svg.appendChild(p);
    });
    parent.appendChild(svg);
    return svg;
  }

  function km2(v) {
    if (!isNum(v)) return '\u2013';
    return fmt(v, v < 10 ? 3 : 2) + ' km\u00b2';
  }

  function pct(v) {
    if (!isNum(v)) return '';
    return (v > 0 ? '+' : '') + fmt(v, 2) + ' %';
  }

  function kvRow(table, key, value, cls) {
    var tr = el('tr', cls || null, null, table);
    el('th', null, key, tr);
    el('td', null, value, tr);
    return tr;
  }

  // ---------------------------------------------------------- arc decoding
  // Stream of zigzag varints (see map_topology.py): n_arcs, then per arc
  // n_points and (dx, dy) pairs; deltas run across the whole stream.
  // Integers are decoded at once into one Int32Array; the LatLng objects of
  // an arc are made the first time the arc is used (old units only when
  // their layer is switched on) and then shared by every ring that uses it.
  function decodeArcs(b64, precision) {
    var s = b64 ? window.atob(b64) : '', pos = 0, scale = Math.pow(10, precision);
    function next() {
      var u = 0, mul = 1, c;
      do {
        c = s.charCodeAt(pos++);
        u += (c & 127) * mul;
        mul *= 128;
      } while (c & 128);
      return u % 2 ? -(u + 1) / 2 : u / 2;
    }
    var nArcs = s.length ? next() : 0;
    var xy = new Int32Array(Math.max(2, s.length)), start = new Uint32Array(nArcs + 1);
    var x = 0, y = 0, p = 0;
    for (var a = 0; a < nArcs; a++) {
      var n = next();
      start[a] = p;
      for (var k = 0; k < n; k++) {
        x += next();
        y += next();
        xy[p++] = x;
        xy[p++] = y;
      }
    }
    start[nArcs] = p;
    var cache = new Array(nArcs);
    return {
      length: nArcs,
      points: p / 2,
      get: function (i) {
        var arc = cache[i];
        if (arc) return arc;
        var lo = start[i], hi = start[i + 1];
        arc = new Array((hi - lo) / 2);
        for (var q = lo, m = 0; q < hi; q += 2) arc[m++] = gpLatLng(xy[q + 1] / scale, xy[q] / scale);
        cache[i] = arc;
        return arc;
      }
    };
  }

  // LatLngs carrying their Web Mercator position in world units (0..1), so
  // that re-projecting at every zoom is a multiply and a round, instead of
  // Leaflet's generic path that allocates several objects per vertex.
  var MAX_LAT = 85.0511287798;
  function gpLatLng(lat, lng) {
    var ll = new L.LatLng(lat, lng);
    var s = Math.sin(Math.max(-MAX_LAT, Math.min(MAX_LAT, lat)) * Math.PI / 180);
    ll.gx = lng / 360 + 0.5;
    ll.gy = 0.5 - 0.25 * Math.log((1 + s) / (1 - s)) / Math.PI;
    return ll;
  }

  var GpPolygon = L.Polygon.extend({
    _projectLatlngs: function (latlngs, result, projectedBounds) {
      var map = this._map, n = latlngs.length, i;
      if (!n) return;
      if (!(latlngs[0] instanceof L.LatLng)) {
        for (i = 0; i < n; i++) this._projectLatlngs(latlngs[i], result, projectedBounds);
        return;
      }
      if (map.options.crs !== L.CRS.EPSG3857 || latlngs[0].gx === undefined) {
        L.Polygon.prototype._projectLatlngs.call(this, latlngs, result, projectedBounds);
        return;
      }
      var scale = 256 * Math.pow(2, map.getZoom()), origin = map.getPixelOrigin();
      var ox = origin.x, oy = origin.y;
      // reuse the Point objects of the previous projection (Leaflet only reads
      // them, and rebuilds its clipped parts after every projection): no
      // garbage per vertex at each zoom
      var cache = this._gpRings || (this._gpRings = []), ring = cache[result.length];
      if (!ring || ring.length !== n) {
        ring = new Array(n);
        for (i = 0; i < n; i++) ring[i] = new L.Point(0, 0);
        cache[result.length] = ring;
      }
      var minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
      for (i = 0; i < n; i++) {
        var ll = latlngs[i], pt = ring[i];
        var x = Math.round(ll.gx * scale) - ox, y = Math.round(ll.gy * scale) - oy;
        pt.x = x;
        pt.y = y;
        if (x < minX) minX = x;
        if (x > maxX) maxX = x;
        if (y < minY) minY = y;
        if (y > maxY) maxY = y;
      }
      projectedBounds.extend(new L.Point(minX, minY));
      projectedBounds.extend(new L.Point(maxX, maxY));
      result.push(ring);
    }
  });
  function gpPolygon(latlngs, options) { return new GpPolygon(latlngs, options); }

  // Rings share the LatLng objects of their arcs: a boundary used by a
  // commune, its neighbour, its province and the before/after view is one
  // set of objects in memory.
  function ringLatLngs(refs, arcs) {
    var out = [];
    for (var r = 0; r < refs.length; r++) {
      var ref = refs[r], arc = arcs.get(ref >= 0 ? ref : -ref - 1), n = arc.length, k;
      if (ref >= 0) {
        for (k = out.length ? 1 : 0; k < n; k++) out.push(arc[k]);
      } else {
        for (k = out.length ? n - 2 : n - 1; k >= 0; k--) out.push(arc[k]);
      }
    }
    if (out.length > 1 && out[0].equals(out[out.length - 1], 0)) out.pop();
    return out;
  }

  function geomLatLngs(geom, arcs) {
    return geom.map(function (poly) {
      return poly.map(function (refs) { return ringLatLngs(refs, arcs); });
    });
  }

  // Undo review_map.py's _compact(): dictionary columns, compact geometries.
  function unpack(section) {
    if (!section) return section;
    Object.keys(section).forEach(function (k) {
      var c = section[k], q;
      if (c && !Array.isArray(c) && typeof c === 'object' && c.d && c.i) {
        var out = new Array(c.i.length);
        for (q = 0; q < c.i.length; q++) out[q] = c.i[q] < 0 ? null : c.d[c.i[q]];
        section[k] = out;
      } else if (k === 'geom' && Array.isArray(c)) {
        for (q = 0; q < c.length; q++) if (typeof c[q] === 'number') c[q] = [[[c[q]]]];
      }
    });
    return section;
  }

  // ------------------------------------------------------------------ init
  function init(map, data) {
    var t0 = window.performance.now();
    var api = { map: map, data: data, ready: false };
    window.geoplanReview = api;
    var container = map.getContainer();
    L.DomUtil.addClass(container, 'gp-map');
    if (!data.tiles) L.DomUtil.addClass(container, 'gp-plain');
    document.title = data.title;

    // one arc set per layer, decoded the first time one of its arcs is needed
    var arcSets = data.topo.map(function (t) {
      var set = null;
      return {
        nArcs: t.n_arcs,
        nPoints: t.n_points,
        get: function (i) { return (set || (set = decodeArcs(t.arcs, t.precision))).get(i); }
      };
    });
    var U = unpack(data.units), nU = U.code.length;
    // set the final view first: layers are projected once, at this zoom
    map.fitBounds(data.bounds, { animate: false });
    var O = unpack(data.old), P = unpack(data.provinces), R = unpack(data.repairs), G = unpack(data.lineage);

    // panes: units (interactive canvas) < old < provinces < highlight
    function makePane(name, z, interactive) {
      var p = map.createPane(name);
      p.style.zIndex = String(z);
      p.style.pointerEvents = interactive ? 'auto' : 'none';
      return p;
    }
    makePane('gp-units', 410, true);
    makePane('gp-old', 420, false);
    makePane('gp-prov', 430, false);
    makePane('gp-hl', 440, false);
    var rUnits = L.canvas({ pane: 'gp-units', padding: 0.2, tolerance: 3 });
    var rOld = L.canvas({ pane: 'gp-old', padding: 0.2 });
    var rProv = L.canvas({ pane: 'gp-prov', padding: 0.2 });
    var rHl = L.canvas({ pane: 'gp-hl', padding: 0.2 });

    if (data.tiles) {
      // attribution is geoplan's constant (review_map.py BASEMAPS), not data
      L.tileLayer(data.tiles.url, { maxZoom: 19, attribution: data.tiles.attribution }).addTo(map);
    }
    map.attributionControl.addAttribution('geoplan review map');

    // ------------------------------------------------------ lineage index
    var linByUnit = Object.create(null), linByOld = Object.create(null);
    var nG = G ? G.oldCode.length : 0;
    for (var g = 0; g < nG; g++) {
      var ui = G.unit[g];
      if (ui >= 0) {
        (linByUnit[ui] = linByUnit[ui] || []).push(g);
        if (G.newName[g] === null) G.newName[g] = U.name[ui];
        if (G.newCode[g] === null) G.newCode[g] = U.code[ui];
      }
      var oc = G.oldCode[g];
      if (oc !== null && oc !== '') (linByOld[oc] = linByOld[oc] || []).push(g);
    }
    var unitByCode = Object.create(null);
    for (var i0 = 0; i0 < nU; i0++) unitByCode[U.code[i0]] = i0;

    // -------------------------------------------------------------- colour
    var measures = data.measures, current = data.colorBy;
    function colorFor(name, i) {
      var m = measures[name], v = U[m.field][i];
      if (!isNum(v)) return m.missing;
      var k = 0;
      while (k < m.breaks.length && v >= m.breaks[k]) k++;
      return m.colors[k];
    }

    // ------------------------------------------------------ content makers
    function unitTooltip(layer) {
      var i = layer.gpIndex, d = el('div', 'gp-tt');
      el('div', 'gp-tt-name', U.name[i], d);
      el('div', 'gp-tt-sub', 'code ' + U.code[i] + (U.parent[i] ? ' \u00b7 ' + U.parent[i] : ''), d);
      var t = el('table', 'gp-kv', null, d);
      kvRow(t, 'Area computed', km2(U.area[i]), 'gp-area-computed');
      kvRow(t, 'Area declared', isNum(U.areaDeclared[i]) ? km2(U.areaDeclared[i]) : '\u2013', 'gp-area-declared');
      if (isNum(U.areaDiff[i])) kvRow(t, 'Computed \u2212 declared', pct(U.areaDiff[i]));
      kvRow(t, 'Population', fmt(U.pop[i]));
      if (isNum(U.popDeclared[i])) kvRow(t, 'Population declared', fmt(U.popDeclared[i]));
      kvRow(t, 'Density', isNum(U.density[i]) ? fmt(U.density[i]) + ' /km\u00b2' : '\u2013');
      if (isNum(U.nMembers[i])) {
        var flags = [];
        if (U.nApprox[i] > 0) flags.push(U.nApprox[i] + ' approximate');
        if (U.nInferred[i] > 0) flags.push(U.nInferred[i] + ' inferred');
        kvRow(t, 'Old units', U.nMembers[i] + (flags.length ? ' (' + flags.join(', ') + ')' : ''), 'gp-wrap');
      }
      el('div', 'gp-hint', G ? 'Click for lineage' : '', d);
      return d;
    }

    function linkNotes(g) {
      var notes = [];
      if (G.approx[g]) notes.push('approximate');
      if (G.link[g] === 'inferred' || G.linkedBy[g] === 'inferred') notes.push('inferred');
      if (G.assigned[g] === 0) notes.push('polygon went elsewhere');
      if (G.linkedBy[g] && G.linkedBy[g] !== 'code' && G.linkedBy[g] !== 'inferred') notes.push('linked by ' + G.linkedBy[g]);
      return notes.join(', ');
    }

    function lineageTable(rows, parent, showNew) {
      var t = el('table', 'gp-lin', null, parent);
      var h = el('tr', null, null, el('thead', null, null, t));
      [showNew ? 'New unit' : 'Old unit', showNew ? 'Province' : 'Old parent', 'Link', 'Notes', 'Area km\u00b2', 'Pop.']
        .forEach(function (c) { el('th', null, c, h); });
      var body = el('tbody', null, null, t);
      rows.forEach(function (g) {
        var tr = el('tr', (G.approx[g] ? 'gp-approx ' : '') + (G.link[g] === 'inferred' ? 'gp-inferred' : ''), null, body);
        if (showNew) {
          var ui = G.unit[g];
          el('td', null, (G.newName[g] || '') + ' (' + G.newCode[g] + ')', tr);
          el('td', null, ui >= 0 ? U.parent[ui] : '', tr);
        } else {
          el('td', null, (G.oldName[g] || '?') + (G.oldCode[g] ? ' (' + G.oldCode[g] + ')' : ''), tr);
          el('td', null, G.oldParent[g] || '', tr);
        }
        el('td', 'gp-link-' + fold(G.link[g]), G.link[g], tr);
        el('td', null, linkNotes(g), tr);
        el('td', 'gp-num', isNum(G.area[g]) ? fmt(G.area[g], 2) : '\u2013', tr);
        el('td', 'gp-num', fmt(G.pop[g]), tr);
      });
      return t;
    }

    function unitPopup(layer) {
      var i = layer.gpIndex, d = el('div', 'gp-popup');
      el('div', 'gp-tt-name', U.name[i], d);
      el('div', 'gp-tt-sub', 'code ' + U.code[i] + (U.parent[i] ? ' \u00b7 ' + U.parent[i] : ''), d);
      var rows = linByUnit[i] || [];
      if (!G) {
        el('p', null, 'No lineage in this result.', d);
      } else if (!rows.length) {
        el('p', null, 'No old unit is linked to this unit.', d);
      } else {
        var full = 0, part = 0, inf = 0;
        rows.forEach(function (g) {
          if (G.link[g] === 'full') full++;
          else if (G.link[g] === 'partial') part++;
          else inf++;
        });
        el('p', null, 'Formed from ' + rows.length + ' old unit' + (rows.length > 1 ? 's' : '') +
          ': ' + full + ' whole, ' + part + ' part' + (inf ? ', ' + inf + ' inferred' : ''), d);
        lineageTable(rows, d, false);
      }
      return d;
    }

    function oldInfo(name, code, district, parent, d) {
      el('div', 'gp-tt-name', name, d);
      var sub = [];
      if (code) sub.push('old code ' + code);
      if (district) sub.push(district);
      if (parent) sub.push(parent);
      el('div', 'gp-tt-sub', sub.join(' \u00b7 '), d);
    }

    function oldTargets(code) {
      var rows = (code && linByOld[code]) || [];
      return rows.map(function (g) {
        return (G.newName[g] || '') + ' (' + G.newCode[g] + ', ' + G.link[g] + ')';
      });
    }

    function oldTooltip(layer) {
      var j = layer.gpIndex, d = el('div', 'gp-tt');
      oldInfo(O.name[j], O.code[j], O.district[j], O.parent[j], d);
      var t = el('table', 'gp-kv', null, d);
      if (isNum(O.area[j])) kvRow(t, 'Area', km2(O.area[j]));
      if (isNum(O.pop[j])) kvRow(t, 'Population', fmt(O.pop[j]));
      var targets = oldTargets(O.code[j]);
      if (G) kvRow(t, 'Went to', targets.length ? targets.join('; ') : 'not linked by code', 'gp-wrap');
      return d;
    }

    function oldPopup(layer) {
      var j = layer.gpIndex, d = el('div', 'gp-popup');
      oldInfo(O.name[j], O.code[j], O.district[j], O.parent[j], d);
      var rows = (O.code[j] && linByOld[O.code[j]]) || [];
      if (rows.length) lineageTable(rows, d, true);
      else el('p', null, G ? 'No lineage row has this old code.' : 'No lineage in this result.', d);
      return d;
    }

    function repairPopup(layer) {
      var k = layer.gpIndex, d = el('div', 'gp-popup');
      el('div', 'gp-tt-name', 'Repair: ' + R.kind[k], d);
      var t = el('table', 'gp-kv', null, d);
      kvRow(t, 'Area', isNum(R.areaM2[k]) ? fmt(R.areaM2[k]) + ' m\u00b2' : '\u2013');
      kvRow(t, 'Width', isNum(R.width[k]) ? fmt(R.width[k]) + ' m' : '\u2013');
      var rc = R.receiving[k], ri = unitByCode[rc];
      kvRow(t, 'Given to', rc ? rc + (ri !== undefined ? ' ' + U.name[ri] : '') : '\u2013');
      kvRow(t, 'Other units', R.other[k] || '\u2013');
      kvRow(t, 'Rule', R.rule[k] || '\u2013');
      return d;
    }

    function flagTooltip(layer) {
      var i = layer.gpIndex, d = el('div', 'gp-tt');
      el('div', 'gp-tt-name', U.name[i], d);
      var parts = [];
      if (U.nApprox[i] > 0) parts.push(U.nApprox[i] + ' approximate link' + (U.nApprox[i] > 1 ? 's' : ''));
      if (U.nInferred[i] > 0) parts.push(U.nInferred[i] + ' inferred link' + (U.nInferred[i] > 1 ? 's' : ''));
      if (!parts.length) parts.push('approximate');
      el('div', 'gp-tt-sub', parts.join(', '), d);
      return d;
    }

    // -------------------------------------------------------------- layers
    var plain = !data.tiles;
    var unitsGroup = L.featureGroup(), unitLayers = new Array(nU);
    for (var i = 0; i < nU; i++) {
      var geom = U.geom[i];
      if (!geom || !geom.length) continue;
      var lyr = gpPolygon(geomLatLngs(geom, arcSets[U.topo]), {
        pane: 'gp-units', renderer: rUnits, color: '#4d4d4d', weight: 0.6, opacity: 0.9,
        fillColor: colorFor(current, i), fillOpacity: plain ? 0.8 : 0.6
      });
      lyr.gpIndex = i;
      lyr.bindTooltip(unitTooltip, { sticky: true, direction: 'top', className: 'gp-tooltip', opacity: 0.95 });
      lyr.bindPopup(unitPopup, { maxWidth: 520, className: 'gp-leaflet-popup' });
      unitsGroup.addLayer(lyr);
      unitLayers[i] = lyr;
    }

    var provGroup = L.featureGroup(), provLayers = [];
    for (var p = 0; P && p < P.geom.length; p++) {
      if (!P.geom[p] || !P.geom[p].length) continue;
      var pl = gpPolygon(geomLatLngs(P.geom[p], arcSets[P.topo]), {
        pane: 'gp-prov', renderer: rProv, fill: false, color: '#111', weight: 1.8, opacity: 0.9, interactive: false
      });
      pl.gpIndex = p;
      provGroup.addLayer(pl);
      provLayers.push(pl);
    }

    var flagGroup = L.featureGroup(), flagLayers = [];
    for (var f = 0; f < nU; f++) {
      if (!(U.nApprox[f] > 0 || U.nInferred[f] > 0 || U.approx[f]) || !U.pt[f]) continue;
      var inferred = U.nInferred[f] > 0;
      var cm = L.circleMarker(U.pt[f], {
        pane: 'gp-units', renderer: rUnits, radius: 5, weight: 1.5, color: '#222',
        fillColor: inferred ? '#7b3294' : '#f1a340', fillOpacity: 0.95
      });
      cm.gpIndex = f;
      cm.bindTooltip(flagTooltip, { direction: 'top', className: 'gp-tooltip' });
      cm.bindPopup(unitPopup, { maxWidth: 520, className: 'gp-leaflet-popup' });
      flagGroup.addLayer(cm);
      flagLayers.push(cm);
    }

    // repairs: drawn at once when few, else built when their layer is switched on
    var REPAIRS_AT_START = 3000;
    var repairGroup = L.featureGroup(), repairLayers = [], repairsBuilt = false;
    function ensureRepairs() {
      if (repairsBuilt || !R) return;
      repairsBuilt = true;
      for (var r = 0; r < R.kind.length; r++) {
        var at = R.pt[r];
        if (R.geom[r] && R.geom[r].length) {
          var rp = gpPolygon(geomLatLngs(R.geom[r], arcSets[R.topo]), {
            pane: 'gp-units', renderer: rUnits, color: '#d7191c', weight: 1.5, fillColor: '#d7191c', fillOpacity: 0.35
          });
          rp.gpIndex = r;
          rp.bindPopup(repairPopup, { className: 'gp-leaflet-popup' });
          repairGroup.addLayer(rp);
          at = at || rp.getBounds().getCenter();
        }
        if (!at) continue;
        var rm = L.circleMarker(at, {
          pane: 'gp-units', renderer: rUnits, radius: 4, weight: 1, color: '#fff', fillColor: '#d7191c', fillOpacity: 1
        });
        rm.gpIndex = r;
        rm.bindPopup(repairPopup, { className: 'gp-leaflet-popup' });
        repairGroup.addLayer(rm);
        repairLayers.push(rm);
      }
    }
    repairGroup.on('add', ensureRepairs);

    // old units: built on first use, one object for overlay and swipe
    var oldGroup = L.featureGroup(), oldLayers = null, oldMode = 'overlay';
    var OLD_STYLE = {
      overlay: { color: '#7b2d6b', weight: 1.1, opacity: 0.95, dashArray: '4 3', fill: false },
      compare: { color: '#6b4e16', weight: 0.8, opacity: 0.9, dashArray: null, fill: true, fillColor: '#efe1bd', fillOpacity: 0.9 }
    };
    function ensureOld() {
      if (oldLayers || !O) return;
      oldLayers = new Array(O.name.length);
      for (var j = 0; j < O.name.length; j++) {
        if (!O.geom[j] || !O.geom[j].length) continue;
        var ol = gpPolygon(geomLatLngs(O.geom[j], arcSets[O.topo]), L.extend({
          pane: 'gp-old', renderer: rOld, interactive: oldMode === 'compare'
        }, OLD_STYLE[oldMode]));
        ol.gpIndex = j;
        ol.bindTooltip(oldTooltip, { sticky: true, direction: 'top', className: 'gp-tooltip', opacity: 0.95 });
        ol.bindPopup(oldPopup, { maxWidth: 520, className: 'gp-leaflet-popup' });
        oldGroup.addLayer(ol);
        oldLayers[j] = ol;
      }
    }
    function setOldMode(mode) {
      oldMode = mode;
      map.getPane('gp-old').style.pointerEvents = mode === 'compare' ? 'auto' : 'none';
      if (!oldLayers) return;
      oldLayers.forEach(function (ol) {
        if (!ol) return;
        ol.options.interactive = mode === 'compare';
        ol.setStyle(OLD_STYLE[mode]);
      });
    }
    oldGroup.on('add', function () { ensureOld(); });

    // markers stay small at national zoom, where there are thousands of them
    function markerRadius(base) {
      var z = map.getZoom();
      return z < 8 ? base * 0.5 : z < 10 ? base * 0.75 : base;
    }
    function resizeMarkers() {
      if (map.hasLayer(flagGroup)) flagLayers.forEach(function (m) { m.setRadius(markerRadius(6)); });
      if (map.hasLayer(repairGroup)) repairLayers.forEach(function (m) { m.setRadius(markerRadius(4.5)); });
    }
    map.on('zoomend', resizeMarkers);
    flagGroup.on('add', resizeMarkers);
    repairGroup.on('add', resizeMarkers);

    unitsGroup.addTo(map);
    provGroup.addTo(map);
    flagGroup.addTo(map);
    if (R && R.kind.length <= REPAIRS_AT_START) repairGroup.addTo(map);

    // --------------------------------------------------------- highlight
    var hlGroup = L.featureGroup().addTo(map);
    function highlight(layers) {
      hlGroup.clearLayers();
      layers.forEach(function (l) {
        hlGroup.addLayer(gpPolygon(l.getLatLngs(), {
          pane: 'gp-hl', renderer: rHl, fill: false, color: '#00c2e0', weight: 4, opacity: 1, interactive: false
        }));
      });
    }

    // ---------------------------------------------------------- controls
    function countOf(a) { return a.filter(Boolean).length; }
    var overlays = {};
    overlays['New units (' + fmt(countOf(unitLayers)) + ')'] = unitsGroup;
    if (provLayers.length) overlays['Province outlines (' + fmt(provLayers.length) + ')'] = provGroup;
    if (O) overlays['Old units (' + fmt(O.name.length) + ')'] = oldGroup;
    if (flagLayers.length) overlays['Approximate / inferred links (' + fmt(flagLayers.length) + ')'] = flagGroup;
    if (R) overlays['Repairs (' + fmt(R.kind.length) + ')'] = repairGroup;
    var layerControl = L.control.layers(null, overlays, { collapsed: false, position: 'topright' }).addTo(map);
    L.DomUtil.addClass(layerControl.getContainer(), 'gp-layers');
    L.control.scale({ imperial: false, position: 'bottomleft' }).addTo(map);

    // title and footer
    var titleBar = el('div', 'gp-title', null, container);
    el('span', 'gp-title-text', data.title, titleBar);
    if (data.schematic) el('span', 'gp-badge', 'schematic', titleBar);
    L.DomEvent.disableClickPropagation(titleBar);
    var footer = el('div', 'gp-footer', data.footer, container);
    if (!data.footer) footer.style.display = 'none';
    L.DomEvent.disableClickPropagation(footer);
    L.DomEvent.disableScrollPropagation(footer);

    // toolbar: fullscreen and before/after
    var swipe = { on: false, x: 0.5, oldWasOn: false, el: null };
    var Toolbar = L.Control.extend({
      options: { position: 'topleft' },
      onAdd: function () {
        var bar = L.DomUtil.create('div', 'leaflet-bar gp-toolbar');
        var fs = el('a', 'gp-btn gp-fullscreen', null, bar);
        icon(fs, ['M3 8V3h5', 'M12 3h5v5', 'M17 12v5h-5', 'M8 17H3v-5']);
        fs.href = '#';
        fs.title = 'Fullscreen';
        fs.setAttribute('role', 'button');
        L.DomEvent.on(fs, 'click', function (e) {
          L.DomEvent.preventDefault(e);
          if (document.fullscreenElement) document.exitFullscreen();
          else if (container.requestFullscreen) container.requestFullscreen();
        });
        if (O) {
          var cmp = el('a', 'gp-btn gp-compare', null, bar);
          icon(cmp, ['M3 4h14v12H3z', 'M10 2v16', 'M3 4l7 0 0 12-7 0z']);
          cmp.href = '#';
          cmp.title = 'Before / after: swipe between old and new units';
          cmp.setAttribute('role', 'button');
          L.DomEvent.on(cmp, 'click', function (e) {
            L.DomEvent.preventDefault(e);
            setCompare(!swipe.on);
          });
          api.compareButton = cmp;
        }
        L.DomEvent.disableClickPropagation(bar);
        return bar;
      }
    });
    new Toolbar().addTo(map);
    document.addEventListener('fullscreenchange', function () { map.invalidateSize(); });

    // before / after swipe: clips the panes, the layers stay the same objects
    function updateClip() {
      if (!swipe.on) return;
      var size = map.getSize(), cx = Math.round(swipe.x * size.x);
      var nw = map.containerPointToLayerPoint([0, 0]);
      var se = map.containerPointToLayerPoint(size);
      var mid = map.containerPointToLayerPoint([cx, 0]).x;
      var left = 'rect(' + nw.y + 'px,' + mid + 'px,' + se.y + 'px,' + nw.x + 'px)';
      var right = 'rect(' + nw.y + 'px,' + se.x + 'px,' + se.y + 'px,' + mid + 'px)';
      map.getPane('gp-old').style.clip = left;
      map.getPane('gp-units').style.clip = right;
      map.getPane('gp-prov').style.clip = right;
      swipe.el.style.left = cx + 'px';
    }
    function buildSwipe() {
      var s = el('div', 'gp-swipe', null, container);
      el('div', 'gp-swipe-line', null, s);
      var handle = el('div', 'gp-swipe-handle', null, s);
      icon(handle, ['M8 5l-5 5 5 5', 'M12 5l5 5-5 5']);
      handle.title = 'Drag to compare';
      el('div', 'gp-swipe-label gp-swipe-before', 'Before: old units', s);
      el('div', 'gp-swipe-label gp-swipe-after', 'After: new units', s);
      L.DomEvent.disableClickPropagation(s);
      var dragging = false;
      handle.addEventListener('pointerdown', function (e) {
        dragging = true;
        handle.setPointerCapture(e.pointerId);
        map.dragging.disable();
        e.preventDefault();
      });
      handle.addEventListener('pointermove', function (e) {
        if (!dragging) return;
        var rect = container.getBoundingClientRect();
        swipe.x = Math.min(0.98, Math.max(0.02, (e.clientX - rect.left) / rect.width));
        updateClip();
      });
      function stop(e) {
        if (!dragging) return;
        dragging = false;
        try { handle.releasePointerCapture(e.pointerId); } catch (err) { /* already released */ }
        map.dragging.enable();
      }
      handle.addEventListener('pointerup', stop);
      handle.addEventListener('pointercancel', stop);
      return s;
    }
    function setCompare(on) {
      if (!O || on === swipe.on) return;
      swipe.on = on;
      if (on) {
        swipe.oldWasOn = map.hasLayer(oldGroup);
        setOldMode('compare');
        if (!swipe.oldWasOn) map.addLayer(oldGroup);
        if (!swipe.el) swipe.el = buildSwipe();
        swipe.el.style.display = '';
        map.on('move zoom viewreset resize', updateClip);
        updateClip();
        L.DomUtil.addClass(api.compareButton, 'gp-active');
      } else {
        map.off('move zoom viewreset resize', updateClip);
        ['gp-old', 'gp-units', 'gp-prov'].forEach(function (n) { map.getPane(n).style.clip = ''; });
        swipe.el.style.display = 'none';
        setOldMode('overlay');
        if (!swipe.oldWasOn) map.removeLayer(oldGroup);
        L.DomUtil.removeClass(api.compareButton, 'gp-active');
      }
    }

    // legend with a measure switch
    var Legend = L.Control.extend({
      options: { position: 'bottomright' },
      onAdd: function () {
        var box = L.DomUtil.create('div', 'gp-legend');
        var lab = el('label', 'gp-legend-head', 'Colour: ', box);
        var sel = el('select', 'gp-measure', null, lab);
        Object.keys(measures).forEach(function (k) {
          var o = el('option', null, measures[k].label, sel);
          o.value = k;
          if (k === current) o.selected = true;
        });
        var list = el('div', 'gp-legend-items', null, box);
        function render() {
          list.textContent = '';
          var m = measures[current];
          m.labels.forEach(function (text, k) {
            var row = el('div', 'gp-legend-row', null, list);
            el('span', 'gp-swatch', null, row).style.background = m.colors[k];
            el('span', null, text, row);
          });
          var miss = el('div', 'gp-legend-row', null, list);
          el('span', 'gp-swatch', null, miss).style.background = m.missing;
          el('span', null, 'no data (' + fmt(m.nMissing) + ')', miss);
          if (m.note) el('div', 'gp-legend-note', m.note, list);
          var marks = [];
          if (flagLayers.some(function (l) { return !(U.nInferred[l.gpIndex] > 0); })) marks.push(['#f1a340', 'approximate link']);
          if (flagLayers.some(function (l) { return U.nInferred[l.gpIndex] > 0; })) marks.push(['#7b3294', 'inferred link']);
          if (R && R.kind.length) marks.push(['#d7191c', 'repair (gap, overlap, invalid)']);
          marks.forEach(function (mk) {
            var row = el('div', 'gp-legend-row', null, list);
            el('span', 'gp-dot', null, row).style.background = mk[0];
            el('span', null, mk[1], row);
          });
        }
        sel.addEventListener('change', function () {
          current = sel.value;
          unitLayers.forEach(function (l) { if (l) l.setStyle({ fillColor: colorFor(current, l.gpIndex) }); });
          render();
        });
        render();
        L.DomEvent.disableClickPropagation(box);
        L.DomEvent.disableScrollPropagation(box);
        return box;
      }
    });
    new Legend().addTo(map);

    // ------------------------------------------------------------- search
    var index = null;
    function buildIndex() {
      index = [];
      for (var a = 0; a < nU; a++) {
        index.push({ kind: 'new', i: a, name: U.name[a], sub: U.parent[a] || '', code: U.code[a] });
      }
      var oldCodesWithPolygon = Object.create(null);
      if (O) {
        for (var b = 0; b < O.name.length; b++) {
          var sub = [O.district[b], O.parent[b]].filter(Boolean).join(', ');
          index.push({ kind: 'old', j: b, name: O.name[b], sub: sub, code: O.code[b] || '' });
          if (O.code[b] && O.geom[b] && O.geom[b].length) oldCodesWithPolygon[O.code[b]] = true;
        }
      }
      if (G) {
        var seen = Object.create(null);
        for (var c = 0; c < nG; c++) {
          var key = (G.oldCode[c] || '') + '|' + (G.oldName[c] || '');
          if ((G.oldCode[c] && oldCodesWithPolygon[G.oldCode[c]]) || !G.oldName[c]) continue;
          if (seen[key] === undefined) {
            seen[key] = index.length;
            index.push({ kind: 'old', j: -1, name: G.oldName[c], sub: G.oldParent[c] || '', code: G.oldCode[c] || '', rows: [] });
          }
          index[seen[key]].rows.push(c);
        }
      }
      index.forEach(function (e) { e.folded = fold(e.name); });
    }

    function search(q) {
      var f = fold(q), digits = /^\d+$/.test(q.trim()) ? q.trim() : null, hits = [];
      if (f.length < 2 && !digits) return hits;
      if (!index) buildIndex();
      for (var k = 0; k < index.length; k++) {
        var e = index[k], score;
        if (digits && e.code && e.code.indexOf(digits) === 0) score = 0;
        else {
          var at = e.folded.indexOf(f);
          if (at < 0) continue;
          score = at === 0 ? 1 : e.folded.charAt(at - 1) === ' ' ? 2 : 3;
          if (e.folded.length === at + f.length) score -= 0.5;
        }
        hits.push({ e: e, score: score });
      }
      hits.sort(function (x, y) {
        return x.score - y.score || (x.e.kind === y.e.kind ? 0 : x.e.kind === 'new' ? -1 : 1) ||
          x.e.folded.localeCompare(y.e.folded) || x.e.sub.localeCompare(y.e.sub);
      });
      return hits.map(function (h) { return h.e; });
    }

    function unitBounds(list) {
      var bounds = null;
      list.forEach(function (l) {
        if (!l) return;
        bounds = bounds ? bounds.extend(l.getBounds()) : L.latLngBounds(l.getBounds().getSouthWest(), l.getBounds().getNorthEast());
      });
      return bounds;
    }

    function select(e) {
      var layers = [], popupAt = null, content = null;
      if (e.kind === 'new') {
        var lyr = unitLayers[e.i];
        if (!lyr) return;
        layers = [lyr];
        popupAt = U.pt[e.i];
        content = lyr;
      } else if (e.j >= 0) {
        if (!map.hasLayer(oldGroup)) map.addLayer(oldGroup);
        ensureOld();
        var ol = oldLayers[e.j];
        if (!ol) return;
        layers = [ol];
        popupAt = O.pt[e.j];
        content = ol;
      } else {
        var targets = Object.create(null);
        e.rows.forEach(function (g) { if (G.unit[g] >= 0) targets[G.unit[g]] = true; });
        layers = Object.keys(targets).map(function (k) { return unitLayers[+k]; }).filter(Boolean);
        if (!layers.length) return;
        popupAt = U.pt[layers[0].gpIndex];
        var d = el('div', 'gp-popup');
        oldInfo(e.name, e.code, '', e.sub, d);
        el('p', null, 'No polygon for this old unit in the map; it went to:', d);
        lineageTable(e.rows, d, true);
        content = d;
      }
      var bounds = unitBounds(layers);
      map.fitBounds(bounds, { maxZoom: 14, padding: [30, 30] });
      highlight(layers);
      api.selected = { kind: e.kind, name: e.name, sub: e.sub, code: e.code };
      if (content instanceof L.Layer) content.openPopup(popupAt || bounds.getCenter());
      else L.popup({ maxWidth: 520, className: 'gp-leaflet-popup' }).setLatLng(popupAt || bounds.getCenter()).setContent(content).openOn(map);
    }

    var Search = L.Control.extend({
      options: { position: 'topleft' },
      onAdd: function () {
        var box = L.DomUtil.create('div', 'gp-search');
        var input = el('input', 'gp-search-input', null, box);
        input.type = 'search';
        input.placeholder = 'Search old or new names\u2026';
        input.setAttribute('aria-label', 'Search old or new unit names');
        input.autocomplete = 'off';
        var list = el('ul', 'gp-results', null, box);
        var timer = null, hits = [];
        function show() {
          list.textContent = '';
          hits = search(input.value);
          list.setAttribute('data-query', input.value);
          var LIMIT = 30;
          hits.slice(0, LIMIT).forEach(function (e) {
            var li = el('li', null, null, list);
            var btn = el('button', 'gp-result gp-result-' + e.kind, null, li);
            btn.type = 'button';
            el('span', 'gp-r-name', e.name, btn);
            el('span', 'gp-r-sub', e.sub || '\u2013', btn);
            el('span', 'gp-r-kind', e.kind === 'new' ? 'new' + (e.code ? ' ' + e.code : '') : 'old' + (e.code ? ' ' + e.code : ''), btn);
            btn.addEventListener('click', function () { select(e); });
          });
          if (hits.length > LIMIT) el('li', 'gp-more', (hits.length - LIMIT) + ' more: type more letters', list);
          else if (!hits.length && fold(input.value).length >= 2) el('li', 'gp-more', 'No match', list);
        }
        input.addEventListener('input', function () {
          clearTimeout(timer);
          timer = setTimeout(show, 120);
        });
        input.addEventListener('keydown', function (ev) {
          if (ev.key === 'Enter') {
            clearTimeout(timer);
            show();
            if (hits.length) select(hits[0]);
          } else if (ev.key === 'Escape') {
            input.value = '';
            show();
            hlGroup.clearLayers();
          }
        });
        L.DomEvent.disableClickPropagation(box);
        L.DomEvent.disableScrollPropagation(box);
        return box;
      }
    });
    new Search().addTo(map);

    // ---------------------------------------------------------------- api

    function renderedIn(renderer, layers) {
      var n = 0;
      layers.forEach(function (l) { if (l && l._map && renderer._layers[L.stamp(l)]) n++; });
      return n;
    }
    api.fold = fold;
    api.search = function (q) { return search(q).map(function (e) { return { kind: e.kind, name: e.name, sub: e.sub, code: e.code }; }); };
    api.setCompare = setCompare;
    api.setSwipe = function (x) { swipe.x = x; updateClip(); };
    api.stats = function () {
      return {
        units: renderedIn(rUnits, unitLayers),
        provinces: renderedIn(rProv, provLayers),
        old: oldLayers ? renderedIn(rOld, oldLayers) : 0,
        flags: renderedIn(rUnits, flagLayers),
        repairs: R ? renderedIn(rUnits, repairLayers) : 0,
        arcs: arcSets.reduce(function (n, a) { return n + a.nArcs; }, 0),
        points: arcSets.reduce(function (n, a) { return n + a.nPoints; }, 0),
        compare: swipe.on,
        zoom: map.getZoom()
      };
    };
    api.pointOf = function (kind, code) {
      var pt = null;
      if (kind === 'new') {
        var i = unitByCode[code];
        if (i !== undefined) pt = U.pt[i];
      } else if (O) {
        for (var j = 0; j < O.code.length; j++) if (O.code[j] === code) { pt = O.pt[j]; break; }
      }
      if (!pt) return null;
      var cp = map.latLngToContainerPoint(pt), rect = container.getBoundingClientRect();
      return { x: cp.x + rect.left, y: cp.y + rect.top };
    };
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
      box.textContent = 'geoplan review map failed to load: ' + (err && err.message ? err.message : String(err));
      document.body.appendChild(box);
      throw err;
    }
  }

  window.GeoplanReview = { init: safeInit, fold: fold, decodeArcs: decodeArcs };
})(window, document, window.L);
