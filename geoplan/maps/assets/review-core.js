/* geoplan review map (MIT): shared helpers. Inlined into the HTML written by
 * geoplan/maps/page.py, first of geoplan's scripts (page.py SCRIPTS).
 *
 * Texts come from the catalogue embedded in the data (data.texts, the
 * maps.page.* messages of geoplan/i18n/locales/LANG/LC_MESSAGES/maps.po), numbers are
 * written the language's way (Intl.NumberFormat). Decodes the compact arc
 * encoding of geoplan/maps/topology.py.
 *
 * Safety rule: every text that comes from the data is put into the page with
 * textContent (el() below), never with innerHTML or string-built HTML.
 */
(function (window, document, L) {
  'use strict';
  var GR = window.GeoplanReview = window.GeoplanReview || {};

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

  function kvRow(table, key, value, cls) {
    var tr = el('tr', cls || null, null, table);
    el('th', null, key, tr);
    el('td', null, value, tr);
    return tr;
  }

  // A unit's name without its type ("Phường Thới Sơn" -> "Thới Sơn"), for labels.
  function withoutType(name, types) {
    var low = String(name || '').toLowerCase();
    for (var k = 0; k < types.length; k++) {
      if (low.indexOf(types[k] + ' ') === 0) return String(name).slice(types[k].length + 1);
    }
    return name;
  }

  // ------------------------------------------------------------------- text
  // t(KEY, {name: value}): the catalogue's text with {name} filled in (the
  // values are formatted by the caller); n('key', count, values): the _one or
  // _other form. fmt / km2 / pct write numbers the language's way.
  function texts(data) {
    var catalogue = data.texts || {}, locale = data.lang === 'vi' ? 'vi-VN' : 'en-US', formats = {};
    function t(key, values) {
      var s = catalogue[key];
      if (s === undefined) {
        window.console.error('geoplan.maps.page', key);  // a key the catalogue lacks: a programming error
        return key;
      }
      return s.replace(/\{(\w+)\}/g, function (m, name) {
        var v = values ? values[name] : undefined;
        return v === undefined || v === null ? '' : String(v);
      });
    }
    function n(key, count, values) {
      return t(key + (count === 1 ? '_one' : '_other'), L.extend({ n: fmt(count) }, values));
    }
    function fmt(v, digits, signed) {
      if (!isNum(v)) return '\u2013';
      var d = digits || 0, k = d + (signed ? 's' : '');
      var f = formats[k] || (formats[k] = new Intl.NumberFormat(locale, {
        minimumFractionDigits: d, maximumFractionDigits: d, signDisplay: signed ? 'exceptZero' : 'auto'
      }));
      return f.format(v);
    }
    function km2(v) {
      return isNum(v) ? t('km2', { value: fmt(v, v < 10 ? 3 : 2) }) : '\u2013';
    }
    function pct(v) {
      return isNum(v) ? t('percent', { value: fmt(v, 2, true) }) : '';
    }
    return { t: t, n: n, fmt: fmt, km2: km2, pct: pct, lang: data.lang };
  }

  // ---------------------------------------------------------- arc decoding
  // Stream of zigzag varints (see topology.py): n_arcs, then per arc
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
        var w = Infinity, so = Infinity, e = -Infinity, no = -Infinity;
        for (var q = start[i]; q < start[i + 1]; q += 2) {
          if (xy[q] < w) w = xy[q];
          if (xy[q] > e) e = xy[q];
          if (xy[q + 1] < so) so = xy[q + 1];
          if (xy[q + 1] > no) no = xy[q + 1];
        }
        return [w / scale, so / scale, e / scale, no / scale];
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

  // Undo data.py's compact_map_data(): dictionary columns, sparse columns,
  // geometries numbered in order, geometries that are one arc reference.
  function unpack(section) {
    if (!section) return section;
    Object.keys(section).forEach(function (k) {
      var c = section[k], q, out;
      if (c && !Array.isArray(c) && typeof c === 'object') {
        if (c.d && c.i) {
          out = new Array(c.i.length);
          for (q = 0; q < c.i.length; q++) out[q] = c.i[q] < 0 ? null : c.d[c.i[q]];
        } else if (c.at) {
          out = new Array(c.n).fill(null);
          for (q = 0; q < c.at.length; q++) out[c.at[q]] = c.v[q];
        } else if (c.seq !== undefined) {
          out = new Array(c.seq);
          for (q = 0; q < c.seq; q++) out[q] = [[[q]]];
        }
        section[k] = out || c;
      } else if (k === 'geom' && Array.isArray(c)) {
        for (q = 0; q < c.length; q++) if (typeof c[q] === 'number') c[q] = [[[c[q]]]];
      }
    });
    return section;
  }

  // One arc set per layer, decoded the first time one of its arcs is needed.
  function arcSets(topos) {
    return topos.map(function (t) {
      var set = null;
      function decoded() { return set || (set = decodeArcs(t.arcs, t.precision)); }
      return {
        nArcs: t.n_arcs,
        nPoints: t.n_points,
        get: function (i) { return decoded().get(i); },
        bbox: function (i) { return decoded().bbox(i); }
      };
    });
  }

  GR.util = {
    fold: fold, el: el, isNum: isNum, icon: icon, kvRow: kvRow, withoutType: withoutType, texts: texts,
    decodeArcs: decodeArcs, gpPolygon: gpPolygon, geomLatLngs: geomLatLngs, unpack: unpack, arcSets: arcSets
  };
  GR.fold = fold;
  GR.decodeArcs = decodeArcs;
})(window, document, window.L);
