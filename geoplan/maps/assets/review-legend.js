/* geoplan review map (MIT): the legend. The colour classes of the measure
 * shown (switchable), the units without polygon, the old polygons lying
 * apart, the declared figures a check flags, and one row per kind of mark
 * and overlay switched on, each with its count. It folds to a button (and
 * starts folded on a small screen, where it would cover the map).
 */
(function (window, document, L) {
  'use strict';
  var GR = window.GeoplanReview = window.GeoplanReview || {};
  var U_ = GR.util, el = U_.el;
  var SMALL = { width: 600, height: 520 };

  GR.legend = function (ctx) {
    var T = ctx.T, t = T.t, map = ctx.map, data = ctx.data, measures = data.measures, U = ctx.U;
    var RV = data.repairView, R = ctx.R, list, toggle, box;

    function row(parent, colour, text, cls) {
      var r = el('div', 'gp-legend-row', null, parent);
      el('span', cls || 'gp-swatch', null, r).style.background = colour;
      el('span', null, text, r);
      return r;
    }

    function declaredLine() {
      if (!U.declFlag) return null;
      var by = {};
      U.declFlag.forEach(function (f) { if (f && f !== 'source') by[f] = (by[f] || 0) + 1; });
      var parts = ['copy', 'shared', 'hectares', 'far', 'incomplete'].filter(function (f) { return by[f]; })
        .map(function (f) { return T.n('legend_declared_' + f, by[f]); });
      var n = Object.keys(by).reduce(function (s, f) { return s + by[f]; }, 0);
      return n ? T.n('legend_declared', n, { kinds: parts.join(', ') }) : null;
    }

    function marks(parent) {
      var z = map.getZoom(), any = false;
      ctx.marks.kinds.forEach(function (k) {
        if (!map.hasLayer(k.group)) return;
        var text = T.n('legend_' + k.key, k.count);
        if (k.key === 'repair' && RV && !RV.all) text += t('legend_review_rule', { km2: T.fmt(RV.minKm2, 1), share: T.fmt(RV.minShare) });
        row(parent, ctx.marks.colours[k.key], text, 'gp-dot');
        any = true;
      });
      if (any && z < ctx.marks.groupsFrom) {
        el('div', 'gp-legend-note', t('legend_marks_hidden', { from: ctx.marks.groupsFrom, single: ctx.marks.singleFrom }), parent);
      } else if (any && z < ctx.marks.singleFrom) {
        el('div', 'gp-legend-note', t('legend_grouped', { zoom: ctx.marks.singleFrom }), parent);
      }
      if (RV && !RV.all && map.hasLayer(ctx.groups.small)) {
        row(parent, ctx.REPAIR.small, T.n('legend_small_repairs', R.kind.length - RV.review.length) +
          (z < RV.minZoom ? t('legend_zoom_in', { zoom: RV.minZoom }) : ''), 'gp-dot');
      }
      [['pieces', '#5aae61', ctx.S], ['auditAreas', '#1a1a1a', ctx.A], ['reference', '#01665e', ctx.F]].forEach(function (o) {
        if (ctx.groups[o[0]] && map.hasLayer(ctx.groups[o[0]])) row(parent, o[1], T.n('legend_' + o[0], (o[2].geom || o[2].kind).length));
      });
    }

    // the legend keeps clear of the layer list above it: its items scroll
    function fit() {
      var c = map.getContainer(), above = c.querySelector('.leaflet-top.leaflet-right');
      var room = box.getBoundingClientRect().bottom - (above ? above.getBoundingClientRect().bottom : c.getBoundingClientRect().top);
      list.style.maxHeight = Math.max(60, room - (list.getBoundingClientRect().top - box.getBoundingClientRect().top) - 16) + 'px';
      ctx.popupPadEnd.x = box.offsetWidth + 20;
    }

    function render() {
      list.textContent = '';
      var m = measures[ctx.measure];
      m.labels.forEach(function (text, k) { row(list, m.colors[k], text); });
      row(list, m.missing, t('no_data', { n: T.fmt(m.nMissing) }));
      if (m.suspect && m.suspect.n) row(list, m.suspect.color, m.suspect.label + ' (' + T.fmt(m.suspect.n) + ')');
      if (m.note) el('div', 'gp-legend-note', m.note, list);
      var declared = declaredLine();
      if (declared) el('div', 'gp-legend-note gp-warn-text', '\u26a0 ' + declared, list);
      if (ctx.nNoPolygon) el('div', 'gp-legend-note gp-no-polygon', T.n('legend_no_polygon', ctx.nNoPolygon), list);
      if (ctx.nApart) el('div', 'gp-legend-note gp-apart', T.n('legend_apart', ctx.nApart), list);
      marks(list);
      fit();
    }

    function fold(folded) {
      L.DomUtil[folded ? 'addClass' : 'removeClass'](box, 'gp-folded');
      ctx.popupPadEnd.x = box.offsetWidth + 20;
      toggle.setAttribute('aria-expanded', folded ? 'false' : 'true');
      toggle.title = folded ? t('legend_show') : t('legend_hide');
    }

    var Legend = L.Control.extend({
      options: { position: 'bottomright' },
      onAdd: function () {
        box = L.DomUtil.create('div', 'gp-legend');
        var head = el('div', 'gp-legend-top', null, box);
        toggle = el('button', 'gp-legend-toggle', t('legend'), head);
        toggle.type = 'button';
        var lab = el('label', 'gp-legend-head', t('colour'), head);
        var sel = el('select', 'gp-measure', null, lab);
        Object.keys(measures).forEach(function (k) {
          var o = el('option', null, measures[k].label, sel);
          o.value = k;
          if (k === ctx.measure) o.selected = true;
        });
        list = el('div', 'gp-legend-items', null, box);
        sel.addEventListener('change', function () {
          ctx.setMeasure(sel.value);
          render();
        });
        toggle.addEventListener('click', function () { fold(!L.DomUtil.hasClass(box, 'gp-folded')); });
        var c = map.getContainer();
        fold(c.clientWidth < SMALL.width || c.clientHeight < SMALL.height);
        render();
        map.on('overlayadd overlayremove zoomend', render);
        map.on('resize', fit);
        L.DomEvent.disableClickPropagation(box);
        L.DomEvent.disableScrollPropagation(box);
        return box;
      }
    });
    new Legend().addTo(map);
    fit();
    return { render: render, fold: fold, fit: fit };
  };
})(window, document, window.L);
