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
      .replace(/[\u0111\u0110\u00f0\u00d0]/g, 'd')  // đ Đ, and their look-alikes ð Ð
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
      // [west, south, east, north] of arc i, in degrees
      bbox: function (i) {
        var w = Infinity, s = Infinity, e = -Infinity, n = -Infinity;
        for (var q = start[i]; q < start[i + 1]; q += 2) {
          if (xy[q] < w) w = xy[q];
          if (xy[q] > e) e = xy[q];
          if (xy[q + 1] < s) s = xy[q + 1];
          if (xy[q + 1] > n) n = xy[q + 1];
        }
        return [w / scale, s / scale, e / scale, n / scale];
      },
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

  // Undo map_data.py's compact_map_data(): dictionary columns, compact geometries.
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
      function decoded() { return set || (set = decodeArcs(t.arcs, t.precision)); }
      return {
        nArcs: t.n_arcs,
        nPoints: t.n_points,
        get: function (i) { return decoded().get(i); },
        bbox: function (i) { return decoded().bbox(i); }
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
    makePane('gp-flags', 415, false);
    makePane('gp-old', 420, false);
    makePane('gp-prov', 430, false);
    makePane('gp-hl', 440, false);
    var rUnits = L.canvas({ pane: 'gp-units', padding: 0.2, tolerance: 3 });
    var rFlags = L.canvas({ pane: 'gp-flags', padding: 0.2 });
    var rOld = L.canvas({ pane: 'gp-old', padding: 0.2 });
    var rProv = L.canvas({ pane: 'gp-prov', padding: 0.2 });
    var rHl = L.canvas({ pane: 'gp-hl', padding: 0.2 });

    if (data.tiles) {
      // attribution is geoplan's constant (review_map.py BASEMAPS), not data
      L.tileLayer(data.tiles.url, { maxZoom: 19, attribution: data.tiles.attribution }).addTo(map);
    }
    map.attributionControl.addAttribution('geoplan review map');

    // ------------------------------------------------------ lineage index
    var linByUnit = Object.create(null), linByOld = Object.create(null), linByMissing = Object.create(null);
    var nG = G ? G.oldCode.length : 0;
    for (var g = 0; g < nG; g++) {
      var ui = G.unit[g];
      if (ui >= 0) {
        (linByUnit[ui] = linByUnit[ui] || []).push(g);
        if (G.newName[g] === null) G.newName[g] = U.name[ui];
        if (G.newCode[g] === null) G.newCode[g] = U.code[ui];
      } else if (G.newCode[g]) {
        (linByMissing[G.newCode[g]] = linByMissing[G.newCode[g]] || []).push(g);
      }
      var oc = G.oldCode[g];
      if (oc !== null && oc !== '') (linByOld[oc] = linByOld[oc] || []).push(g);
    }
    var unitByCode = Object.create(null);
    for (var i0 = 0; i0 < nU; i0++) unitByCode[U.code[i0]] = i0;

    // Where each old polygon went: with the result's features table (O.unit,
    // O.member, O.linkedBy, by row) also for polygons linked by name; without
    // it, by joining the polygon's own code to the lineage.
    var placed = !!(O && O.unit);
    function memberOf(j) {
      if (!O.member) return O.code[j];
      return O.member[j] === null ? O.code[j] : O.member[j];
    }
    function oldRows(j) {
      var member = memberOf(j);
      return (G && member && linByOld[member]) || [];
    }

    // Old polygons lying apart from the rest of their new unit (O.detached:
    // their rows; results without the column have none), and the lineage
    // rows they make: same new unit, same plan code (or name, when none).
    var APART = 'lies apart from the rest of its new unit';
    var apart = Object.create(null), apartRows = Object.create(null), nApart = 0;
    function apartKey(u, code, name) { return u + '|' + (code ? code : '|' + name); }
    ((O && O.detached) || []).forEach(function (j) {
      apart[j] = true;
      apartRows[apartKey(O.unit[j], memberOf(j), O.name[j])] = true;
      nApart++;
    });

    // -------------------------------------------------------------- colour
    var measures = data.measures, current = data.colorBy;
    function colorFor(name, i) {
      var m = measures[name], v = U[m.field][i];
      if (!isNum(v)) return m.missing;
      var k = 0;
      while (k < m.breaks.length && v >= m.breaks[k]) k++;
      return m.colors[k];
    }

    // Repairs are drawn in magenta, a hue no measure's palette uses
    // (map_data.py), so that a repair never reads as a colour class.
    var REPAIR = { review: '#ff00ff', small: '#ff80ff', mark: '#000000' };

    var NO_POLYGON = 'no polygon in this result';

    // Every area of a schematic map is labelled as such (the cells are made up).
    function areaLabel(base) {
      return data.schematic ? base + ' (schematic, not measured)' : base;
    }

    // Popups pan clear of the title bar: placeBars() sets the top padding.
    var popupPad = L.point(10, 50);
    function popupOptions(more) {
      return L.extend({ className: 'gp-leaflet-popup', autoPanPaddingTopLeft: popupPad }, more);
    }

    // ------------------------------------------------------ content makers
    function unitTooltip(layer) {
      var i = layer.gpIndex, d = el('div', 'gp-tt');
      el('div', 'gp-tt-name', U.name[i], d);
      el('div', 'gp-tt-sub', 'code ' + U.code[i] + (U.parent[i] ? ' \u00b7 ' + U.parent[i] : ''), d);
      var t = el('table', 'gp-kv', null, d);
      kvRow(t, data.schematic ? areaLabel('Area') : 'Area computed', km2(U.area[i]), 'gp-area-computed');
      kvRow(t, 'Area declared', isNum(U.areaDeclared[i]) ? km2(U.areaDeclared[i]) : '\u2013', 'gp-area-declared');
      if (isNum(U.areaDiff[i]) && !data.schematic) kvRow(t, 'Computed \u2212 declared', pct(U.areaDiff[i]));
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

    function linkNotes(g, ofUnit) {
      var notes = [];
      if (ofUnit && apartRows[apartKey(G.unit[g], G.oldCode[g], G.oldName[g])]) notes.push('apart');
      if (G.approx[g]) notes.push('approximate');
      if (G.link[g] === 'inferred' || G.linkedBy[g] === 'inferred') notes.push('inferred');
      if (G.linkedBy[g] === 'none') notes.push('no polygon in the old layer');
      else if (G.assigned[g] === 0) notes.push('polygon went elsewhere');
      if (G.linkedBy[g] && ['code', 'inferred', 'none'].indexOf(G.linkedBy[g]) < 0) notes.push('linked by ' + G.linkedBy[g]);
      return notes.join(', ');
    }

    function lineageTable(rows, parent, showNew) {
      var t = el('table', 'gp-lin', null, parent);
      var h = el('tr', null, null, el('thead', null, null, t));
      [showNew ? 'New unit' : 'Old unit', showNew ? 'Province' : 'Old parent', 'Link', 'Notes', areaLabel('Area km\u00b2'), 'Pop.']
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
        el('td', null, linkNotes(g, !showNew), tr);
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

    function target(g) {
      return (G.newName[g] || '') + ' (' + G.newCode[g] + ', ' + G.link[g] + ')';
    }

    // the new unit the polygon went into first, then the other new units its
    // old unit is divided among
    function wentTo(j) {
      var rows = oldRows(j);
      if (!placed) return rows.length ? rows.map(target).join('; ') : 'not linked by code';
      var u = O.unit[j], out = [];
      if (u >= 0) {
        var own = rows.filter(function (g) { return G.unit[g] === u; })[0];
        out.push(own !== undefined ? target(own) : U.name[u] + ' (' + U.code[u] + ', ' + (O.linkedBy[j] || 'placed') + ')');
      } else {
        out.push('not placed in a new unit');
      }
      rows.forEach(function (g) { if (G.unit[g] !== u) out.push('also ' + target(g)); });
      return out.join('; ');
    }

    function linkedBy(j) {
      var how = O.linkedBy[j], member = memberOf(j);
      if (!how || how === 'none') return 'not linked to the plan';
      if (how === 'inferred') return 'inferred (longest shared border)';
      return how + (member && member !== O.code[j] ? ' (plan code ' + member + ')' : '');
    }

    function oldTooltip(layer) {
      var j = layer.gpIndex, d = el('div', 'gp-tt');
      oldInfo(O.name[j], O.code[j] || memberOf(j), O.district[j], O.parent[j], d);
      var t = el('table', 'gp-kv', null, d);
      if (isNum(O.area[j])) kvRow(t, areaLabel('Area'), km2(O.area[j]));
      if (isNum(O.pop[j])) kvRow(t, 'Population', fmt(O.pop[j]));
      if (G) kvRow(t, 'Went to', wentTo(j), 'gp-wrap');
      if (placed) kvRow(t, 'Linked by', linkedBy(j), 'gp-wrap');
      if (apart[j]) el('div', 'gp-apart', APART + ': check its link', d);
      return d;
    }

    function oldPopup(layer) {
      var j = layer.gpIndex, d = el('div', 'gp-popup'), rows = oldRows(j);
      oldInfo(O.name[j], O.code[j] || memberOf(j), O.district[j], O.parent[j], d);
      if (placed) el('p', null, 'Went to: ' + wentTo(j) + '. Linked by ' + linkedBy(j) + '.', d);
      if (apart[j]) el('p', 'gp-apart', 'It ' + APART + ': check its link.', d);
      if (rows.length) lineageTable(rows, d, true);
      else if (!placed) el('p', null, G ? 'No lineage row has this old code.' : 'No lineage in this result.', d);
      return d;
    }

    function repairPopup(layer) {
      var k = layer.gpIndex, d = el('div', 'gp-popup');
      el('div', 'gp-tt-name', 'Repair: ' + R.kind[k], d);
      var t = el('table', 'gp-kv', null, d);
      kvRow(t, areaLabel('Area'), isNum(R.areaM2[k]) ? fmt(R.areaM2[k]) + ' m\u00b2' : '\u2013');
      kvRow(t, 'Width', isNum(R.width[k]) ? fmt(R.width[k]) + ' m' : '\u2013');
      var rc = R.receiving[k], ri = unitByCode[rc];
      kvRow(t, 'Given to', rc ? rc + (ri !== undefined ? ' ' + U.name[ri] : '') : '\u2013');
      kvRow(t, 'Other units', R.other[k] || '\u2013');
      kvRow(t, 'Rule', R.rule[k] || '\u2013');
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
      lyr.bindPopup(unitPopup, popupOptions({ maxWidth: 520 }));
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

    // Markers of units with approximate or inferred links. A thousand of them
    // would hide the colours at national zoom, so a marker is drawn only where
    // its unit spans FLAG_MIN_PX on screen (zooming in shows the others; the
    // legend counts those not marked), smaller at low zoom. They do not catch
    // the mouse: hovering one shows the tooltip of its unit (areas,
    // population, and the flagged links).
    var FLAG_MIN_PX = 16;
    var flagGroup = L.featureGroup(), flagLayers = [], nFlagsHidden = 0;
    for (var f = 0; f < nU; f++) {
      if (!(U.nApprox[f] > 0 || U.nInferred[f] > 0 || U.approx[f]) || !U.pt[f]) continue;
      var inferred = U.nInferred[f] > 0;
      var cm = L.circleMarker(U.pt[f], {
        pane: 'gp-flags', renderer: rFlags, interactive: false, radius: 5, weight: 1.5, color: '#222',
        fillColor: inferred ? '#7b3294' : '#f1a340', fillOpacity: 0.95
      });
      cm.gpIndex = f;
      flagLayers.push(cm);
    }
    function flagStyle() {
      var z = map.getZoom();
      return z < 8 ? { radius: 2.5, weight: 0.5 } : z < 10 ? { radius: 4, weight: 1 } : { radius: 6, weight: 1.5 };
    }
    function placeFlags() {
      var st = flagStyle(), z = map.getZoom();
      nFlagsHidden = 0;
      flagLayers.forEach(function (m) {
        var unit = unitLayers[m.gpIndex];
        if (!unit) return;
        var b = unit.getBounds();
        var size = map.project(b.getNorthEast(), z).subtract(map.project(b.getSouthWest(), z));
        if (Math.min(Math.abs(size.x), Math.abs(size.y)) >= FLAG_MIN_PX) {
          m.setStyle(st);
          if (!flagGroup.hasLayer(m)) flagGroup.addLayer(m);
        } else {
          nFlagsHidden++;
          if (flagGroup.hasLayer(m)) flagGroup.removeLayer(m);
        }
      });
    }

    // Repairs. The ones to review (all of them when there are few; else wide
    // gaps and large pieces, chosen by review_map.py) are drawn from the
    // start, each with a marker so that tiny ones show at national zoom. The
    // other ones, tens of thousands in a national merge, are drawn only from
    // zoom RV.minZoom and only where the map looks, so panning stays fast.
    var RV = data.repairView, nR = R ? R.kind.length : 0;
    var isReview = new Uint8Array(nR);
    if (RV) RV.review.forEach(function (k) { isReview[k] = 1; });
    var nReview = RV ? RV.review.length : 0;
    var reviewGroup = L.featureGroup(), reviewLayers = [], reviewBuilt = false;
    var smallGroup = L.featureGroup(), smallLayers = Object.create(null), smallShown = Object.create(null);
    var smallBoxes = null, nSmallShown = 0;

    function repairLayers(r, review) {
      var out = [], at = R.pt[r];
      if (R.geom[r] && R.geom[r].length) {
        var rp = gpPolygon(geomLatLngs(R.geom[r], arcSets[R.topo]), {
          pane: 'gp-units', renderer: rUnits, color: REPAIR.review, weight: review ? 1.5 : 0.8,
          fillColor: review ? REPAIR.review : REPAIR.small, fillOpacity: review ? 0.35 : 0.5
        });
        rp.gpIndex = r;
        rp.bindPopup(repairPopup, popupOptions());
        out.push(rp);
        at = review ? at || rp.getBounds().getCenter() : null;
      }
      if (at) {
        var rm = L.circleMarker(at, {
          pane: 'gp-units', renderer: rUnits, radius: markerRadius(review ? 4.5 : 3), weight: review ? 1.5 : 1,
          color: review ? REPAIR.mark : '#fff', fillColor: review ? REPAIR.review : REPAIR.small, fillOpacity: 1
        });
        rm.gpIndex = r;
        rm.bindPopup(repairPopup, popupOptions());
        out.push(rm);
      }
      return out;
    }
    reviewGroup.on('add', function () {
      if (reviewBuilt) return;
      reviewBuilt = true;
      RV.review.forEach(function (r) {
        var ls = repairLayers(r, true);
        ls.forEach(function (l) { reviewGroup.addLayer(l); });
        if (ls.length) reviewLayers.push(ls[ls.length - 1]);
      });
    });

    // [west, south, east, north] of every repair not to review, from its arcs
    function smallRepairBoxes() {
      var boxes = new Float64Array(4 * nR), arcs = arcSets[R.topo];
      for (var r = 0; r < nR; r++) {
        var w = Infinity, s = Infinity, e = -Infinity, n = -Infinity, geom = R.geom[r];
        if (!isReview[r] && geom && geom.length) {
          geom.forEach(function (poly) {
            poly[0].forEach(function (ref) {
              var b = arcs.bbox(ref >= 0 ? ref : -ref - 1);
              w = Math.min(w, b[0]); s = Math.min(s, b[1]); e = Math.max(e, b[2]); n = Math.max(n, b[3]);
            });
          });
        } else if (!isReview[r] && R.pt[r]) {
          w = e = R.pt[r][1];
          s = n = R.pt[r][0];
        }
        boxes[4 * r] = w; boxes[4 * r + 1] = s; boxes[4 * r + 2] = e; boxes[4 * r + 3] = n;
      }
      return boxes;
    }
    function syncSmall() {
      if (!map.hasLayer(smallGroup)) return;
      var next = Object.create(null), n = 0, r;
      if (map.getZoom() >= RV.minZoom) {
        smallBoxes = smallBoxes || smallRepairBoxes();
        var v = map.getBounds().pad(0.3), w = v.getWest(), s = v.getSouth(), e = v.getEast(), nn = v.getNorth();
        for (r = 0; r < nR; r++) {
          if (isReview[r] || smallBoxes[4 * r] > e || smallBoxes[4 * r + 2] < w ||
              smallBoxes[4 * r + 1] > nn || smallBoxes[4 * r + 3] < s) continue;
          next[r] = true;
          n++;
          if (smallShown[r]) continue;
          (smallLayers[r] = smallLayers[r] || repairLayers(r, false)).forEach(function (l) { smallGroup.addLayer(l); });
        }
      }
      for (r in smallShown) {
        if (!next[r]) smallLayers[r].forEach(function (l) { smallGroup.removeLayer(l); });
      }
      smallShown = next;
      nSmallShown = n;
    }
    smallGroup.on('add', syncSmall);
    smallGroup.on('remove', function () {
      smallGroup.clearLayers();
      smallShown = Object.create(null);
      nSmallShown = 0;
    });
    map.on('moveend', syncSmall);

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
        ol.bindPopup(oldPopup, popupOptions({ maxWidth: 520 }));
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
      placeFlags();
      if (map.hasLayer(reviewGroup)) {
        reviewGroup.eachLayer(function (m) { if (m instanceof L.CircleMarker) m.setRadius(markerRadius(4.5)); });
      }
    }
    map.on('zoomend', resizeMarkers);
    flagGroup.on('add', resizeMarkers);
    reviewGroup.on('add', resizeMarkers);

    unitsGroup.addTo(map);
    provGroup.addTo(map);
    flagGroup.addTo(map);
    if (nReview) reviewGroup.addTo(map);
    if (RV && !RV.all) smallGroup.addTo(map);

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
    function layerName(base, count) {
      return base + (data.schematic ? ', schematic' : '') + ' (' + count + ')';
    }
    var nNoPolygon = noPolygonUnits().length;
    var overlays = {};
    overlays[layerName('New units', fmt(countOf(unitLayers)) +
      (nNoPolygon ? '; ' + fmt(nNoPolygon) + ' without polygon' : ''))] = unitsGroup;
    if (provLayers.length) overlays[layerName('Province outlines', fmt(provLayers.length))] = provGroup;
    if (O) overlays[layerName('Old units', fmt(O.name.length))] = oldGroup;
    if (flagLayers.length) overlays['Approximate / inferred links (' + fmt(flagLayers.length) + ')'] = flagGroup;
    if (RV && RV.all) {
      overlays[layerName('Repairs', fmt(nR))] = reviewGroup;
    } else if (RV) {
      overlays[layerName('Repairs to review', fmt(nReview) + ' of ' + fmt(nR))] = reviewGroup;
      overlays[layerName('Smaller repairs', fmt(nR - nReview) + '; from zoom ' + RV.minZoom)] = smallGroup;
    }
    // a narrow map folds the layer list into Leaflet's layers button
    var layerControl = L.control.layers(null, overlays, {
      collapsed: container.clientWidth < 640, position: 'topright'
    }).addTo(map);
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

    // On a wide map the title and footer sit centred between the control
    // corners (review.css keeps them narrower than the gap). On a narrow one
    // they become bars across the top and bottom, and the corners move in
    // by their heights, so no text lies on another.
    function placeBars() {
      var narrow = container.clientWidth <= 900;
      L.DomUtil[narrow ? 'addClass' : 'removeClass'](container, 'gp-narrow');
      var top = narrow ? titleBar.offsetHeight : 0, bottom = narrow && data.footer ? footer.offsetHeight : 0;
      popupPad.y = titleBar.offsetTop + titleBar.offsetHeight + 10;
      Array.prototype.forEach.call(container.querySelectorAll('.leaflet-top'), function (c) { c.style.top = top + 'px'; });
      Array.prototype.forEach.call(container.querySelectorAll('.leaflet-bottom'), function (c) { c.style.bottom = bottom + 'px'; });
    }
    placeBars();
    map.on('resize', placeBars);

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
      map.getPane('gp-flags').style.clip = right;
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
        ['gp-old', 'gp-units', 'gp-flags', 'gp-prov'].forEach(function (n) { map.getPane(n).style.clip = ''; });
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
          if (nNoPolygon) {
            el('div', 'gp-legend-note gp-no-polygon', fmt(nNoPolygon) + ' new unit' + (nNoPolygon > 1 ? 's' : '') +
              ' of the plan ' + (nNoPolygon > 1 ? 'have ' : 'has ') + NO_POLYGON + ': search by name', list);
          }
          if (nApart) {
            el('div', 'gp-legend-note gp-apart', fmt(nApart) + ' old polygon' + (nApart > 1 ? 's lie' : ' lies') +
              ' apart from the rest of ' + (nApart > 1 ? 'their' : 'its') + ' new unit', list);
          }
          // only the marks of the layers shown
          var marks = [];
          if (map.hasLayer(flagGroup)) {
            if (flagLayers.some(function (l) { return !(U.nInferred[l.gpIndex] > 0); })) marks.push(['#f1a340', 'approximate link']);
            if (flagLayers.some(function (l) { return U.nInferred[l.gpIndex] > 0; })) marks.push(['#7b3294', 'inferred link']);
            if (nFlagsHidden) marks.push([null, fmt(nFlagsHidden) + ' flagged units too small to mark at this zoom: zoom in']);
          }
          if (nReview && map.hasLayer(reviewGroup)) {
            marks.push([REPAIR.review, RV.all ? 'repair (gap, overlap, invalid)' : 'repair to review: ' + RV.rule]);
          }
          if (RV && !RV.all && map.hasLayer(smallGroup)) {
            marks.push([REPAIR.small, 'smaller repair' + (map.getZoom() < RV.minZoom ? ': zoom in to see (from zoom ' + RV.minZoom + ')' : '')]);
          }
          marks.forEach(function (mk) {
            if (!mk[0]) {
              el('div', 'gp-legend-note', mk[1], list);
              return;
            }
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
        map.on('overlayadd overlayremove zoomend', render);
        L.DomEvent.disableClickPropagation(box);
        L.DomEvent.disableScrollPropagation(box);
        return box;
      }
    });
    new Legend().addTo(map);

    // ------------------------------------------------------------- search
    // New units of the plan without a polygon: in the units table without
    // geometry, or only in the lineage (data.missingUnits, from map_data.py:
    // expected in the layer, none made up). Search entries.
    function noPolygonUnits() {
      var out = [];
      for (var a = 0; a < nU; a++) {
        if (!unitLayers[a]) out.push({ kind: 'new', i: a, name: U.name[a], code: U.code[a], parent: U.parent[a], rows: linByUnit[a] || [] });
      }
      (data.missingUnits || []).forEach(function (code) {
        var rows = linByMissing[code] || [];
        out.push({ kind: 'new', i: -1, name: (rows.length && G.newName[rows[0]]) || code, code: code, parent: null, rows: rows });
      });
      out.forEach(function (e) { e.sub = [e.parent, NO_POLYGON].filter(Boolean).join(' \u00b7 '); });
      return out;
    }

    // An inferred lineage row repeats a feature of the old layer (its own
    // code, or none, and its name): that feature's polygon is the entry.
    function polygonKey(code, name) { return (code || '') + '|' + (name || ''); }

    var index = null;
    function buildIndex() {
      index = [];
      for (var a = 0; a < nU; a++) {
        if (unitLayers[a]) index.push({ kind: 'new', i: a, name: U.name[a], sub: U.parent[a] || '', code: U.code[a] });
      }
      index = index.concat(noPolygonUnits());
      var oldCodesWithPolygon = Object.create(null), polygonKeys = Object.create(null);
      if (O) {
        for (var b = 0; b < O.name.length; b++) {
          var sub = [O.district[b], O.parent[b]].filter(Boolean).join(', '), member = memberOf(b);
          if (apart[b]) sub = [sub, APART].filter(Boolean).join(' \u00b7 ');
          index.push({ kind: 'old', j: b, name: O.name[b], sub: sub, code: O.code[b] || member || '' });
          if (!O.geom[b] || !O.geom[b].length) continue;
          if (member) oldCodesWithPolygon[member] = true;
          polygonKeys[polygonKey(O.code[b], O.name[b])] = true;
        }
      }
      if (G) {
        var seen = Object.create(null);
        for (var c = 0; c < nG; c++) {
          var key = polygonKey(G.oldCode[c], G.oldName[c]);
          if ((G.oldCode[c] && oldCodesWithPolygon[G.oldCode[c]]) || !G.oldName[c]) continue;
          if (G.linkedBy[c] === 'inferred' && polygonKeys[key]) continue;
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

    function openPopup(content, at) {
      L.popup(popupOptions({ maxWidth: 520 })).setLatLng(at).setContent(content).openOn(map);
    }

    // zoom to the layers, outline them, open the popup (a layer's own, or content)
    function zoomTo(layers, content, at) {
      var bounds = unitBounds(layers);
      map.fitBounds(bounds, { maxZoom: 14, padding: [30, 30] });
      highlight(layers);
      if (content instanceof L.Layer) content.openPopup(at || bounds.getCenter());
      else openPopup(content, at || bounds.getCenter());
    }

    // nothing to zoom to: the message opens where the map looks
    function notice(content) {
      hlGroup.clearLayers();
      openPopup(content, map.getCenter());
    }

    function noPolygonPopup(e) {
      var d = el('div', 'gp-popup');
      el('div', 'gp-tt-name', e.name, d);
      el('div', 'gp-tt-sub', 'code ' + e.code + (e.parent ? ' \u00b7 ' + e.parent : ''), d);
      el('p', 'gp-no-polygon', 'This new unit of the plan has ' + NO_POLYGON + (e.rows.length ? '. Its old units:' : '.'), d);
      if (e.rows.length) lineageTable(e.rows, d, false);
      return d;
    }

    function lineagePopup(e) {
      var d = el('div', 'gp-popup');
      oldInfo(e.name, e.code, '', e.sub, d);
      el('p', null, 'No polygon for this old unit in the map.', d);
      var lost = e.rows.filter(function (g) { return G.unit[g] < 0; }).map(function (g) {
        return (G.newName[g] || '?') + ' (' + G.newCode[g] + ')';
      });
      if (lost.length) {
        el('p', 'gp-no-polygon', 'It went to ' + lost.join(', ') + ', which ' + (lost.length > 1 ? 'have ' : 'has ') + NO_POLYGON + '.', d);
      }
      el('p', null, lost.length ? 'Its lineage:' : 'It went to:', d);
      lineageTable(e.rows, d, true);
      return d;
    }

    function selectNew(e) {
      var lyr = e.i >= 0 ? unitLayers[e.i] : null;
      if (lyr) zoomTo([lyr], lyr, U.pt[e.i]);
      else notice(noPolygonPopup(e));
    }

    function selectOld(j) {
      if (!map.hasLayer(oldGroup)) map.addLayer(oldGroup);
      ensureOld();
      var ol = oldLayers[j];
      if (ol) zoomTo([ol], ol, O.pt[j]);
      else notice(oldPopup({ gpIndex: j }));
    }

    function selectLineage(e) {
      var targets = Object.create(null);
      e.rows.forEach(function (g) { if (G.unit[g] >= 0) targets[G.unit[g]] = true; });
      var layers = Object.keys(targets).map(function (k) { return unitLayers[+k]; }).filter(Boolean);
      if (layers.length) zoomTo(layers, lineagePopup(e), U.pt[layers[0].gpIndex]);
      else notice(lineagePopup(e));
    }

    function select(e) {
      api.selected = { kind: e.kind, name: e.name, sub: e.sub, code: e.code };
      if (e.kind === 'new') selectNew(e);
      else if (e.j >= 0) selectOld(e.j);
      else selectLineage(e);
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
        flags: renderedIn(rFlags, flagLayers),
        repairs: renderedIn(rUnits, reviewLayers),
        smallRepairs: map.hasLayer(smallGroup) ? nSmallShown : 0,
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
        for (var j = 0; j < O.code.length; j++) if (O.code[j] === code || memberOf(j) === code) { pt = O.pt[j]; break; }
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
