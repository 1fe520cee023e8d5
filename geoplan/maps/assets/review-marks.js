/* geoplan review map (MIT): marks grouped into counts where they would crowd.
 *
 * A national map has about a thousand units to flag (approximate, inferred
 * links), hundreds of repairs to review and the rows of a plan audit: drawn
 * one by one they bury the colours. Below zoom SINGLE_FROM, the marks of the
 * layers switched on are grouped on a grid of CELL screen pixels: a cell with
 * one mark shows it, a cell with several shows one badge with a count per
 * kind (clicking it zooms in). From SINGLE_FROM every mark shows. The grid is
 * in projected pixels of the zoom, so panning keeps the groups. A badge is
 * a ring coloured by the share of each kind around the total. Below
 * GROUPS_FROM (the national view, where even badges would crowd the names
 * of the provinces) no mark is drawn: the legend counts them and says from
 * which zoom they show. Labels (labels.js) avoid the badges: ctx.occupied
 * holds their boxes.
 */
(function (window, document, L) {
  'use strict';
  var GR = window.GeoplanReview = window.GeoplanReview || {};
  var U_ = GR.util, el = U_.el;
  var CELL = 96, GROUPS_FROM = 8, SINGLE_FROM = 11;
  var COLOURS = { approx: '#f1a340', inferred: '#7b3294', repair: '#ff00ff', audit: '#1a1a1a' };

  GR.marks = function (ctx) {
    var map = ctx.map, T = ctx.T, U = ctx.U, R = ctx.R, A = ctx.A, RV = ctx.data.repairView;
    var drawn = ctx.groups.drawn = L.layerGroup().addTo(map), counts = { singles: 0, groups: 0, seen: {}, alone: {} };

    function kind(key, layerKey, group, points, open) {
      return { key: key, layerKey: layerKey, group: group, points: points, count: points.length, open: open };
    }
    function unitPoints(test) {
      var out = [];
      for (var i = 0; i < U.code.length; i++) if (ctx.unitLayers[i] && U.pt[i] && test(i)) out.push([U.pt[i], i]);
      return out;
    }
    function repairPoints() {
      var out = [];
      (RV ? RV.review : []).forEach(function (r) {
        var at = R.pt[r];
        if (!at && R.geom[r] && R.geom[r].length) {
          var ring = U_.geomLatLngs([R.geom[r][0]], ctx.arcs[R.topo])[0][0];
          at = L.latLngBounds(ring).getCenter();
        }
        if (at) out.push([at, r]);
      });
      return out;
    }
    function auditPoints() {
      var out = [];
      for (var k = 0; A && k < A.kind.length; k++) {
        var at = (A.pt && A.pt[k]) || (A.unit[k] >= 0 ? U.pt[A.unit[k]] : null);
        if (at) out.push([at, k]);
      }
      return out;
    }
    var kinds = [
      kind('approx', 'layer_approx', L.layerGroup(), unitPoints(function (i) { return U.approx[i]; }), ctx.content.unitPopup),
      kind('inferred', 'layer_inferred', L.layerGroup(), unitPoints(function (i) { return U.nInferred[i] > 0; }), ctx.content.unitPopup),
      kind('repair', RV && RV.all ? 'layer_repairs' : 'layer_review_repairs', ctx.groups.review, repairPoints(), ctx.content.repairPopup),
      kind('audit', 'layer_audit', L.layerGroup(), auditPoints(), ctx.content.auditPopup)
    ];
    kinds.forEach(function (k) { if (k.count && k.key !== 'repair') k.group.addTo(map); });

    // a unit's mark sits just above its name (labels.js centres the name on the same point)
    var ABOVE = { approx: [-6, -15], inferred: [6, -15] };
    function single(k, item) {
      var at = item[0];
      if (ABOVE[k.key]) at = map.containerPointToLatLng(map.latLngToContainerPoint(at).add(ABOVE[k.key]));
      var m = L.circleMarker(at, {
        pane: 'gp-units', renderer: ctx.render.units, radius: k.key === 'repair' ? 4.5 : 5, weight: 1.5,
        color: k.key === 'audit' ? '#fff' : '#222', fillColor: COLOURS[k.key], fillOpacity: 0.95
      });
      m.gpIndex = item[1];
      m.bindPopup(k.open, ctx.popupOptions({ maxWidth: 520 }));
      if (k.key === 'approx' || k.key === 'inferred') m.bindTooltip(ctx.content.unitTooltip, { sticky: true, direction: 'top', className: 'gp-tooltip', opacity: 0.95 });
      return m;
    }

    function summary(cell) {
      return kinds.filter(function (k) { return cell[k.key]; }).map(function (k) {
        return T.n('group_' + k.key, cell[k.key]);
      }).join(', ');
    }

    function badge(cell) {
      var box = el('div', 'gp-cluster'), stops = [], at = 0;
      kinds.forEach(function (k) {
        if (!cell[k.key]) return;
        var to = at + 100 * cell[k.key] / cell.n;
        stops.push(COLOURS[k.key] + ' ' + at.toFixed(1) + '% ' + to.toFixed(1) + '%');
        at = to;
      });
      box.style.background = 'conic-gradient(' + stops.join(', ') + ')';
      var size = cell.n < 10 ? 22 : cell.n < 100 ? 26 : 30;
      box.style.width = box.style.height = size + 'px';
      el('span', 'gp-cluster-n', T.fmt(cell.n), box);
      var m = L.marker(L.latLng(cell.lat / cell.n, cell.lng / cell.n), {
        pane: 'gp-marks', icon: L.divIcon({ className: 'gp-cluster-icon', html: box, iconSize: null }), keyboard: false
      });
      var text = summary(cell);
      m.bindTooltip(T.t('group_tooltip', { what: text }), { direction: 'top', className: 'gp-tooltip', offset: [0, -12] });
      m.on('click', function () {
        map.fitBounds(cell.bounds.pad(0.1), { maxZoom: Math.max(map.getZoom() + 2, SINGLE_FROM), padding: [40, 40] });
      });
      box.setAttribute('aria-label', text);
      box.setAttribute('data-counts', kinds.map(function (k) { return cell[k.key] || 0; }).join(','));
      return m;
    }

    function place() {
      drawn.clearLayers();
      counts = { singles: 0, groups: 0, seen: {}, alone: {} };  // marks in view, and drawn alone, per kind
      var z = map.getZoom(), view = map.getBounds().pad(0.2), cells = Object.create(null), order = [];
      kinds.forEach(function (k) {
        if (!k.count || !map.hasLayer(k.group) || z < GROUPS_FROM) return;
        k.points.forEach(function (item) {
          if (!view.contains(item[0])) return;
          counts.seen[k.key] = (counts.seen[k.key] || 0) + 1;
          if (z >= SINGLE_FROM) {
            drawn.addLayer(single(k, item));
            counts.singles++;
            counts.alone[k.key] = (counts.alone[k.key] || 0) + 1;
            return;
          }
          var p = map.project(item[0], z), key = Math.floor(p.x / CELL) + ':' + Math.floor(p.y / CELL);
          var cell = cells[key] || (cells[key] = { n: 0, lat: 0, lng: 0, bounds: L.latLngBounds([]), items: [] });
          if (!cell.n) order.push(cell);
          var ll = L.latLng(item[0]);
          cell.n++;
          cell.lat += ll.lat;
          cell.lng += ll.lng;
          cell.bounds.extend(ll);
          cell[k.key] = (cell[k.key] || 0) + 1;
          cell.items.push([k, item]);
        });
      });
      order.forEach(function (cell) {
        if (cell.n === 1) {
          var k = cell.items[0][0];
          drawn.addLayer(single(k, cell.items[0][1]));
          counts.singles++;
          counts.alone[k.key] = (counts.alone[k.key] || 0) + 1;
        } else {
          drawn.addLayer(badge(cell));
          counts.groups++;
        }
      });
      occupied();
    }

    // the screen boxes of the badges drawn, for the labels to avoid
    function occupied() {
      var origin = map.getContainer().getBoundingClientRect();
      ctx.occupied = [];
      drawn.eachLayer(function (m) {
        var icon = m._icon && m._icon.firstChild;
        if (icon) {
          var r = icon.getBoundingClientRect();
          ctx.occupied.push([r.left - origin.left, r.top - origin.top, r.right - origin.left, r.bottom - origin.top]);
        } else if (m.getRadius) {
          var c = map.latLngToContainerPoint(m.getLatLng()), e = m.getRadius() + 1;
          ctx.occupied.push([c.x - e, c.y - e, c.x + e, c.y + e]);
        }
      });
    }
    map.on('moveend zoomend overlayadd overlayremove', place);
    place();

    return {
      kinds: kinds.filter(function (k) { return k.count; }),
      colours: COLOURS,
      singleFrom: SINGLE_FROM,
      groupsFrom: GROUPS_FROM,
      place: place,
      stats: function () {
        return {
          flags: kinds.slice(0, 2).reduce(function (n, k) { return n + (map.hasLayer(k.group) ? k.count : 0); }, 0),
          marks: counts.singles, groups: counts.groups, seen: counts.seen, alone: counts.alone,
          repairs: map.hasLayer(ctx.groups.review) ? (RV ? RV.review.length : 0) : 0
        };
      }
    };
  };
})(window, document, window.L);
