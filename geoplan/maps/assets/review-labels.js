/* geoplan review map (MIT): names on the map, never on top of each other.
 *
 * Below zoom UNITS_FROM the provinces are named at a point inside each
 * (placed by data.py); from it, the new units whose outline is wide and tall
 * enough on screen for their name (else for their name without its type,
 * "Thới Sơn" for "Phường Thới Sơn"). Candidates are placed greedily, largest
 * first, and a name that would touch one already placed is left out. The
 * labels are DOM text with a halo (readable on every colour, printed as
 * text), laid out again after each move; the pane hides during a zoom.
 */
(function (window, document, L) {
  'use strict';
  var GR = window.GeoplanReview = window.GeoplanReview || {};
  var U_ = GR.util, el = U_.el;
  var UNITS_FROM = 9, MAX_LABELS = 500, PAD = 3;
  var FONTS = { province: '700 13px system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", Arial, sans-serif',
    unit: '600 11px system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", Arial, sans-serif' };

  GR.labels = function (ctx) {
    var map = ctx.map, U = ctx.U, P = ctx.P, types = ctx.data.unitTypes || [];
    var pane = map.getPane('gp-labels'), group = L.layerGroup(), pool = [], shown = [], widths = Object.create(null);
    var measure = document.createElement('canvas').getContext('2d');

    function width(text, font) {
      var key = font.charAt(0) + text;
      if (widths[key] === undefined) {
        measure.font = font;
        widths[key] = Math.ceil(measure.measureText(text).width);
      }
      return widths[key];
    }

    function provinceCandidates(out) {
      for (var p = 0; P && p < P.name.length; p++) {
        if (!P.pt || !P.pt[p] || !P.name[p] || !ctx.provLayers[p]) continue;
        var text = U_.withoutType(P.name[p], types), w = width(text, FONTS.province), b = ctx.provLayers[p].getBounds();
        var size = map.project(b.getSouthEast()).subtract(map.project(b.getNorthWest()));
        out.push({ at: P.pt[p], text: text, w: w + 2 * PAD, h: 17 + PAD, rank: 1e12 + size.x * size.y, cls: 'gp-label gp-label-province' });
      }
    }

    function unitCandidates(out, view) {
      var z = map.getZoom();
      for (var i = 0; i < U.code.length; i++) {
        var lyr = ctx.unitLayers[i];
        if (!lyr || !U.pt[i] || !U.name[i]) continue;
        var b = lyr.getBounds();
        if (!view.intersects(b)) continue;
        var nw = map.project(b.getNorthWest(), z), se = map.project(b.getSouthEast(), z);
        var bw = se.x - nw.x, bh = se.y - nw.y;
        if (bh < 16 || bw < 24) continue;
        var text = U.name[i], w = width(text, FONTS.unit);
        if (w > 0.95 * bw) {
          text = U_.withoutType(U.name[i], types);
          w = width(text, FONTS.unit);
          if (w > 0.95 * bw) continue;
        }
        out.push({ at: U.pt[i], text: text, w: w + 2 * PAD, h: 14 + PAD, rank: bw * bh, cls: 'gp-label', i: i });
      }
    }

    function clash(box, placed) {
      for (var k = 0; k < placed.length; k++) {
        var o = placed[k];
        if (box[0] < o[2] && o[0] < box[2] && box[1] < o[3] && o[1] < box[3]) return true;
      }
      return false;
    }

    function layout() {
      shown = [];
      var used = 0;
      if (map.hasLayer(group)) {
        var size = map.getSize(), view = map.getBounds().pad(0.05), candidates = [];
        if (map.getZoom() < UNITS_FROM) provinceCandidates(candidates);
        else unitCandidates(candidates, view);
        candidates.sort(function (a, b) { return b.rank - a.rank; });
        var placed = (ctx.occupied || []).slice();
        for (var c = 0; c < candidates.length && shown.length < MAX_LABELS; c++) {
          var cand = candidates[c], pt = map.latLngToContainerPoint(cand.at);
          var box = [pt.x - cand.w / 2, pt.y - cand.h / 2, pt.x + cand.w / 2, pt.y + cand.h / 2];
          if (box[2] < 0 || box[3] < 0 || box[0] > size.x || box[1] > size.y || clash(box, placed)) continue;
          placed.push(box);
          var div = pool[used] || (pool[used] = el('div', null, null, pane));
          used++;
          div.className = cand.cls;
          div.textContent = cand.text;
          div.style.display = '';
          L.DomUtil.setPosition(div, map.containerPointToLayerPoint([box[0] + PAD, box[1] + PAD / 2]));
          shown.push(cand.text);
        }
      }
      for (var k = used; k < pool.length; k++) pool[k].style.display = 'none';
    }

    group.on('add remove', layout);
    map.on('zoomstart', function () { pane.style.visibility = 'hidden'; });
    map.on('zoomend', function () { pane.style.visibility = ''; });
    map.on('moveend resize', layout);
    ctx.relabel = layout;

    return {
      group: group,
      unitsFrom: UNITS_FROM,
      shown: function () { return shown.slice(); },
      stats: function () { return { labels: shown.length }; }
    };
  };
})(window, document, window.L);
