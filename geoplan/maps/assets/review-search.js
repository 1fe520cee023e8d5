/* geoplan review map (MIT): the search box over provinces, new and old units.
 *
 * A name and a query are compared by their search keys, the page's copy of
 * geoplan.link.names.search_key (a test checks both agree): the unit type
 * (spelt out, with or without diacritics, or abbreviated: "Tỉnh", "tinh",
 * "TP", "P.") and the rest of the name without diacritics, tone marks placed
 * one way, hyphens as spaces. A query typed without any diacritic that
 * starts like a type is also tried as a plain name ("tinh bien" may be
 * Tịnh Biên). Ranking: same name, then same name without spaces or by its
 * initials ("hcm"), then the name starting with the query, a word of it,
 * any part of it; a type given and different ranks after; provinces before
 * new units before old ones.
 */
(function (window, document, L) {
  'use strict';
  var GR = window.GeoplanReview = window.GeoplanReview || {};
  var U_ = GR.util, el = U_.el;
  var TONES = '\u0300\u0301\u0303\u0309\u0323', LIMIT = 30;
  var KIND_ORDER = { province: 0, 'new': 1, old: 2 };

  function foldPlain(text) {  // geoplan.link.names.fold: no diacritic, đ -> d, lower case
    return String(text).toLowerCase().replace(/[\u0111\u00f0]/g, 'd').normalize('NFD').replace(/[\u0300-\u036f]/g, '');
  }

  // geoplan.link.names: _canonical, strip_type, unit_type, search_key (and folded_key's y -> i).
  function keyMaker(types, abbreviations) {
    var abbrev = new RegExp('^(?:(' + Object.keys(abbreviations).join('|') + ')\\.\\s*|(tt|tx|tp)\\s+)');
    var foldedTypes = [], seen = Object.create(null);
    types.forEach(function (full) {
      var bare = foldPlain(full);
      if (full.indexOf('tp') !== 0 && !seen[bare]) { seen[bare] = true; foldedTypes.push([bare, full]); }
    });
    foldedTypes.sort(function (a, b) { return b[0].length - a[0].length; });
    var toneMove = new RegExp('([ou])([' + TONES + '])([aey])', 'g');
    function canonical(text) {
      var s = String(text === null || text === undefined ? '' : text).trim().toLowerCase().replace(/\u00f0/g, '\u0111').replace(/\\/g, '');
      s = s.normalize('NFD').replace(toneMove, '$1$3$2').normalize('NFC');
      return s.replace(/\s*-\s*/g, '-').replace(/\s+/g, ' ');
    }
    function stripType(name) {
      for (var k = 0; k < types.length; k++) if (name.indexOf(types[k] + ' ') === 0) return [types[k], name.slice(types[k].length + 1)];
      return ['', name];
    }
    function words(rest) {
      return foldPlain(rest.replace(/\b0+(\d)/g, '$1')).replace(/-/g, ' ').replace(/\s+/g, ' ').trim()
        .replace(/\b([bcdghklmnpqrstvx]+)y\b/g, '$1i');
    }
    // [type, words]; alternatives when a plain query may start with a type or with a name
    return function (name, alternatives) {
      var c = canonical(name), split = stripType(c), kind = split[0], rest = split[1], m = abbrev.exec(c);
      if (!kind && m) {
        kind = abbreviations[m[1] || m[2]];
        rest = c.slice(m[0].length);
      }
      kind = abbreviations[kind.replace(/\.$/, '')] || kind;
      var plain = foldPlain(c) === c, out = [];
      if (!kind && plain) {
        for (var k = 0; k < foldedTypes.length; k++) {
          if (c.indexOf(foldedTypes[k][0] + ' ') === 0) {
            kind = foldedTypes[k][1];
            rest = c.slice(foldedTypes[k][0].length + 1);
            break;
          }
        }
        if (kind && alternatives) out.push(['', words(c)]);
      }
      out.unshift([foldPlain(kind), words(rest)]);
      return alternatives ? out : out[0];
    };
  }

  function initials(words) {
    var parts = words.split(' ');
    return parts.length > 1 ? parts.map(function (w) { return w.charAt(0); }).join('') : '';
  }

  // How well an entry's key matches one reading of the query (lower is better; null: no match).
  function score(e, q) {
    var w = e.key[1], s;
    if (!q[1]) return null;
    if (w === q[1]) s = 0;
    else if (e.compact === q[1].replace(/ /g, '')) s = 0.2;
    else if (q[1].indexOf(' ') < 0 && q[1].length > 1 && e.initials === q[1]) s = 0.4;
    else if (w.indexOf(q[1]) === 0) s = 1;
    else if (w.indexOf(' ' + q[1]) >= 0) s = 2;
    else if (w.indexOf(q[1]) >= 0) s = 3;
    else if (q[1].indexOf(' ') < 0 && e.compact.indexOf(q[1]) >= 0) s = 3.5;
    else return null;
    if (q[0] && e.key[0] && q[0] !== e.key[0]) s += 4;
    else if (q[0] && q[0] === e.key[0]) s -= 0.1;
    return s;
  }

  GR.search = function (ctx) {
    var T = ctx.T, t = T.t, U = ctx.U, O = ctx.O, G = ctx.G, P = ctx.P, map = ctx.map, C = ctx.content;
    var keyOf = keyMaker(ctx.data.unitTypes || [], ctx.data.abbreviations || {});
    var index = null;

    function entry(e) {
      e.key = keyOf(e.name);
      e.compact = e.key[1].replace(/ /g, '');
      e.initials = initials(e.key[1]);
      return e;
    }

    function provinceUnits(code) {
      var out = [];
      for (var i = 0; i < U.code.length; i++) if (U.parentCode[i] === code && ctx.unitLayers[i]) out.push(i);
      return out;
    }

    // An inferred lineage row repeats a feature of the old layer (its own
    // code, or none, and its name): that feature's polygon is the entry.
    function polygonKey(code, name) { return (code || '') + '|' + (name || ''); }

    function buildIndex() {
      index = [];
      for (var p = 0; P && p < P.name.length; p++) {
        if (!P.name[p] || !ctx.provLayers[p]) continue;
        var units = provinceUnits(P.code[p]);
        index.push({ kind: 'province', p: p, name: P.name[p], code: P.code[p], units: units, sub: T.n('province_sub', units.length) });
      }
      for (var a = 0; a < U.code.length; a++) {
        if (ctx.unitLayers[a]) index.push({ kind: 'new', i: a, name: U.name[a], sub: U.parent[a] || '', code: U.code[a] });
      }
      index = index.concat(ctx.noPolygonUnits());
      var withPolygon = Object.create(null), polygonKeys = Object.create(null);
      for (var b = 0; O && b < O.name.length; b++) {
        var sub = [O.district[b], O.parent[b]].filter(Boolean).join(', '), member = ctx.memberOf(b);
        if (ctx.apart[b]) sub = [sub, t('apart')].filter(Boolean).join(' \u00b7 ');
        index.push({ kind: 'old', j: b, name: O.name[b], sub: sub, code: O.code[b] || member || '' });
        if (!O.geom[b] || !O.geom[b].length) continue;
        if (member) withPolygon[member] = true;
        polygonKeys[polygonKey(O.code[b], O.name[b])] = true;
      }
      var seen = Object.create(null);
      for (var c = 0; G && c < G.oldCode.length; c++) {
        var key = polygonKey(G.oldCode[c], G.oldName[c]);
        if ((G.oldCode[c] && withPolygon[G.oldCode[c]]) || !G.oldName[c]) continue;
        if (G.linkedBy[c] === 'inferred' && polygonKeys[key]) continue;
        if (seen[key] === undefined) {
          seen[key] = index.length;
          index.push({ kind: 'old', j: -1, name: G.oldName[c], sub: G.oldParent[c] || '', code: G.oldCode[c] || '', rows: [] });
        }
        index[seen[key]].rows.push(c);
      }
      index.forEach(entry);
    }

    // How well each entry matches readings of a name (the best score of each entry that matches).
    function scored(readings, accept, digits) {
      var hits = [];
      for (var k = 0; k < index.length; k++) {
        var e = index[k], best = digits && e.code && e.code.indexOf(digits) === 0 ? -1 : null;
        if (accept && !accept(e)) continue;
        readings.forEach(function (r) {
          var s = score(e, r);
          if (s !== null && (best === null || s < best)) best = s;
        });
        if (best !== null) hits.push({ e: e, score: best });
      }
      return hits;
    }

    // "thoi son dong thap": a name followed by its province or district, when the whole query
    // names nothing; the longest place first
    function withPlace(q) {
      var words = foldPlain(q).split(/[\s,]+/).filter(Boolean), hits = [];
      for (var cut = 1; cut < words.length && !hits.length; cut++) {
        var place = words.slice(cut).join(' ');
        hits = scored(keyOf(words.slice(0, cut).join(' '), true), function (e) {
          if (e.place === undefined) e.place = foldPlain(e.sub).replace(/[\s,]+/g, ' ');
          return (' ' + e.place + ' ').indexOf(' ' + place + ' ') >= 0;
        });
      }
      return hits;
    }

    function search(q) {
      var trimmed = String(q).trim(), digits = /^\d+$/.test(trimmed) ? trimmed : null, hits = [];
      var readings = keyOf(q, true);
      if (readings[0][1].length < 2 && !digits) return hits;
      if (!index) buildIndex();
      hits = scored(readings, null, digits);
      if (!hits.length && !digits) hits = withPlace(trimmed);
      hits.sort(function (x, y) {
        return x.score - y.score || KIND_ORDER[x.e.kind] - KIND_ORDER[y.e.kind] ||
          x.e.key[1].localeCompare(y.e.key[1]) || String(x.e.sub).localeCompare(String(y.e.sub));
      });
      return hits.map(function (h) { return h.e; });
    }

    // zoom to the layers, outline them, open the popup (a layer's own, or content) once the map
    // stands still: a popup opened during the zoom would not pan clear of the legend
    function zoomTo(layers, content, at, maxZoom) {
      var bounds = null, opened = false;
      layers.forEach(function (l) { bounds = bounds ? bounds.extend(l.getBounds()) : L.latLngBounds(l.getBounds().getSouthWest(), l.getBounds().getNorthEast()); });
      function open() {
        if (opened) return;
        opened = true;
        if (content instanceof L.Layer) content.openPopup(at || bounds.getCenter());
        else L.popup(ctx.popupOptions({ maxWidth: 520 })).setLatLng(at || bounds.getCenter()).setContent(content).openOn(map);
      }
      map.once('moveend', open);
      window.setTimeout(open, 700);  // when the view does not change there is no moveend
      map.fitBounds(bounds, L.extend({ maxZoom: maxZoom || 14 }, clearOfPanels()));
      ctx.highlight(layers);
    }

    // The padding of a fit that keeps the result clear of the panels over the map (search on the
    // left, layers and legend on the right); a panel wider than a third of the map (a phone's) is
    // not counted, the map would have no room left.
    function clearOfPanels() {
      var box = map.getContainer().getBoundingClientRect(), left = 0, right = 0;
      document.querySelectorAll('.gp-search, .gp-legend, .leaflet-control-layers').forEach(function (panel) {
        var r = panel.getBoundingClientRect();
        if (!r.width || r.width > box.width / 3) return;
        if (r.left - box.left < box.width / 2) left = Math.max(left, r.right - box.left);
        else right = Math.max(right, box.right - r.left);
      });
      return { paddingTopLeft: [left + 30, 30], paddingBottomRight: [right + 30, 30] };
    }

    function notice(content) {  // nothing to zoom to: the message opens where the map looks
      ctx.clearHighlight();
      L.popup(ctx.popupOptions({ maxWidth: 520 })).setLatLng(map.getCenter()).setContent(content).openOn(map);
    }

    function select(e) {
      ctx.api.selected = { kind: e.kind, name: e.name, sub: e.sub, code: e.code };
      if (e.kind === 'province') {
        zoomTo([ctx.provLayers[e.p]], C.provincePopup(e.p, e.units), ctx.P.pt[e.p], 11);
      } else if (e.kind === 'new') {
        var lyr = e.i >= 0 ? ctx.unitLayers[e.i] : null;
        if (lyr) zoomTo([lyr], lyr, U.pt[e.i]);
        else notice(C.noPolygonPopup(e));
      } else if (e.j >= 0) {
        if (!map.hasLayer(ctx.groups.old)) map.addLayer(ctx.groups.old);
        ctx.ensureOld();
        var ol = ctx.oldLayers[e.j];
        if (ol) zoomTo([ol], ol, O.pt[e.j]);
        else notice(C.oldPopup({ gpIndex: e.j }));
      } else {
        var targets = Object.create(null);
        e.rows.forEach(function (g) { if (G.unit[g] >= 0) targets[G.unit[g]] = true; });
        var layers = Object.keys(targets).map(function (k) { return ctx.unitLayers[+k]; }).filter(Boolean);
        if (layers.length) zoomTo(layers, C.lineagePopup(e), U.pt[layers[0].gpIndex]);
        else notice(C.lineagePopup(e));
      }
    }

    function kindText(e) {
      return t('search_kind_' + e.kind + (e.code ? '_code' : ''), { code: e.code });
    }

    var Search = L.Control.extend({
      options: { position: 'topleft' },
      onAdd: function () {
        var box = L.DomUtil.create('div', 'gp-search');
        var input = el('input', 'gp-search-input', null, box);
        input.type = 'search';
        input.placeholder = t('search_placeholder');
        input.setAttribute('aria-label', t('search_label'));
        input.autocomplete = 'off';
        var list = el('ul', 'gp-results', null, box);
        var timer = null, hits = [];
        function show() {
          list.textContent = '';
          hits = search(input.value);
          list.setAttribute('data-query', input.value);
          hits.slice(0, LIMIT).forEach(function (e) {
            var btn = el('button', 'gp-result gp-result-' + e.kind, null, el('li', null, null, list));
            btn.type = 'button';
            el('span', 'gp-r-name', e.name, btn);
            el('span', 'gp-r-sub', e.sub || '\u2013', btn);
            el('span', 'gp-r-kind', kindText(e), btn);
            btn.addEventListener('click', function () { select(e); });
          });
          if (hits.length > LIMIT) el('li', 'gp-more', t('more_results', { n: T.fmt(hits.length - LIMIT) }), list);
          else if (!hits.length && U_.fold(input.value).length >= 2) el('li', 'gp-more', t('no_match'), list);
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
            ctx.clearHighlight();
          }
        });
        L.DomEvent.disableClickPropagation(box);
        L.DomEvent.disableScrollPropagation(box);
        return box;
      }
    });
    new Search().addTo(map);

    return {
      search: function (q) {
        return search(q).map(function (e) { return { kind: e.kind, name: e.name, sub: e.sub, code: e.code }; });
      },
      searchKey: function (name) { return keyOf(name); }
    };
  };
})(window, document, window.L);
