/* geoplan review map (MIT): title and footer bars, the toolbar (fullscreen,
 * before/after swipe, print view) and the swipe itself.
 *
 * The print view lays the page out as the printed sheet (A4 landscape, see
 * review.css html.gp-print): the map at the size it will have on paper,
 * controls hidden, legend unfolded, title and footer kept; the canvases are
 * redrawn at that size before the browser prints, so what is printed is what
 * the view shows. Printing without it (Ctrl+P) enters it first.
 */
(function (window, document, L) {
  'use strict';
  var GR = window.GeoplanReview = window.GeoplanReview || {};
  var U_ = GR.util, el = U_.el, icon = U_.icon;
  var CLIPPED = ['gp-units', 'gp-prov', 'gp-labels', 'gp-marks'];

  function button(bar, cls, title, paths, onClick) {
    var a = el('a', 'gp-btn ' + cls, null, bar);
    icon(a, paths);
    a.href = '#';
    a.title = title;
    a.setAttribute('role', 'button');
    a.setAttribute('aria-label', title);
    L.DomEvent.on(a, 'click', function (e) {
      L.DomEvent.preventDefault(e);
      onClick();
    });
    return a;
  }

  GR.tools = function (ctx) {
    var T = ctx.T, t = T.t, map = ctx.map, data = ctx.data, container = map.getContainer();
    var swipe = ctx.swipe = { on: false, x: 0.5, oldWasOn: false, el: null };

    // title and footer
    var titleBar = el('div', 'gp-title', null, container);
    el('span', 'gp-title-text', data.title, titleBar);
    if (data.schematic) el('span', 'gp-badge', t('schematic'), titleBar);
    L.DomEvent.disableClickPropagation(titleBar);
    var footer = el('div', 'gp-footer', data.footer, container);
    if (!data.footer) footer.style.display = 'none';
    footer.title = data.footer;
    footer.addEventListener('click', function () { L.DomUtil[L.DomUtil.hasClass(footer, 'gp-open') ? 'removeClass' : 'addClass'](footer, 'gp-open'); placeBars(); });
    L.DomEvent.disableClickPropagation(footer);
    L.DomEvent.disableScrollPropagation(footer);

    // On a wide map the title and footer sit centred between the control
    // corners (review.css keeps them narrower than the gap). On a narrow one
    // they become bars across the top and bottom (the footer one line until
    // tapped), and the corners move in by their heights, so no text lies on another.
    function placeBars() {
      var narrow = container.clientWidth <= 900;
      L.DomUtil[narrow ? 'addClass' : 'removeClass'](container, 'gp-narrow');
      var top = narrow ? titleBar.offsetHeight : 0, bottom = narrow && data.footer ? footer.offsetHeight : 0;
      ctx.popupPad.y = titleBar.offsetTop + titleBar.offsetHeight + 10;
      Array.prototype.forEach.call(container.querySelectorAll('.leaflet-top'), function (c) { c.style.top = top + 'px'; });
      Array.prototype.forEach.call(container.querySelectorAll('.leaflet-bottom'), function (c) { c.style.bottom = bottom + 'px'; });
    }
    placeBars();
    map.on('resize', placeBars);

    // before / after swipe: clips the panes, the layers stay the same objects
    function updateClip() {
      if (!swipe.on) return;
      var size = map.getSize(), cx = Math.round(swipe.x * size.x);
      var nw = map.containerPointToLayerPoint([0, 0]), se = map.containerPointToLayerPoint(size);
      var mid = map.containerPointToLayerPoint([cx, 0]).x;
      map.getPane('gp-old').style.clip = 'rect(' + nw.y + 'px,' + mid + 'px,' + se.y + 'px,' + nw.x + 'px)';
      var right = 'rect(' + nw.y + 'px,' + se.x + 'px,' + se.y + 'px,' + mid + 'px)';
      CLIPPED.forEach(function (n) { map.getPane(n).style.clip = right; });
      swipe.el.style.left = cx + 'px';
    }
    function buildSwipe() {
      var s = el('div', 'gp-swipe', null, container);
      el('div', 'gp-swipe-line', null, s);
      var handle = el('div', 'gp-swipe-handle', null, s);
      icon(handle, ['M8 5l-5 5 5 5', 'M12 5l5 5-5 5']);
      handle.title = t('swipe_drag');
      el('div', 'gp-swipe-label gp-swipe-before', t('swipe_before'), s);
      el('div', 'gp-swipe-label gp-swipe-after', t('swipe_after'), s);
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
      if (!ctx.O || on === swipe.on) return;
      swipe.on = on;
      var old = ctx.groups.old;
      if (on) {
        swipe.oldWasOn = map.hasLayer(old);
        ctx.setOldMode('compare');
        if (!swipe.oldWasOn) map.addLayer(old);
        if (!swipe.el) swipe.el = buildSwipe();
        swipe.el.style.display = '';
        map.on('move zoom viewreset resize', updateClip);
        updateClip();
        L.DomUtil.addClass(ctx.compareButton, 'gp-active');
      } else {
        map.off('move zoom viewreset resize', updateClip);
        CLIPPED.concat(['gp-old']).forEach(function (n) { map.getPane(n).style.clip = ''; });
        swipe.el.style.display = 'none';
        ctx.setOldMode('overlay');
        if (!swipe.oldWasOn) map.removeLayer(old);
        L.DomUtil.removeClass(ctx.compareButton, 'gp-active');
      }
    }

    // print view: the page as the printed sheet
    var printBar = null, printing = false, legendWasFolded = false;
    function setPrintView(on) {
      if (on === printing) return;
      printing = on;
      var root = document.documentElement, shown = map.getBounds();
      L.DomUtil[on ? 'addClass' : 'removeClass'](root, 'gp-print');
      if (on) {
        legendWasFolded = L.DomUtil.hasClass(container.querySelector('.gp-legend'), 'gp-folded');
        ctx.legend.fold(false);
        if (!printBar) {
          printBar = el('div', 'gp-print-bar', null, document.body);
          el('span', 'gp-print-hint', t('print_hint'), printBar);
          var go = el('button', 'gp-print-go', t('print_now'), printBar);
          go.type = 'button';
          go.addEventListener('click', function () { window.print(); });
          var close = el('button', 'gp-print-close', t('print_close'), printBar);
          close.type = 'button';
          close.addEventListener('click', function () { setPrintView(false); });
        }
      } else if (legendWasFolded) {
        ctx.legend.fold(true);
      }
      map.invalidateSize({ pan: false });
      map.fitBounds(shown, { animate: false });  // the sheet shows what the screen showed
      placeBars();
    }
    window.addEventListener('beforeprint', function () { setPrintView(true); });

    var Toolbar = L.Control.extend({
      options: { position: 'topleft' },
      onAdd: function () {
        var bar = L.DomUtil.create('div', 'leaflet-bar gp-toolbar');
        button(bar, 'gp-fullscreen', t('fullscreen'), ['M3 8V3h5', 'M12 3h5v5', 'M17 12v5h-5', 'M8 17H3v-5'], function () {
          if (document.fullscreenElement) document.exitFullscreen();
          else if (container.requestFullscreen) container.requestFullscreen();
        });
        if (ctx.O) {
          ctx.compareButton = button(bar, 'gp-compare', t('compare'), ['M3 4h14v12H3z', 'M10 2v16', 'M3 4l7 0 0 12-7 0z'],
            function () { setCompare(!swipe.on); });
        }
        button(bar, 'gp-print-view', t('print_view'), ['M5 7V3h10v4', 'M5 14H3V8h14v6h-2', 'M6 12h8v5H6z'],
          function () { setPrintView(!printing); });
        L.DomEvent.disableClickPropagation(bar);
        return bar;
      }
    });
    new Toolbar().addTo(map);
    document.addEventListener('fullscreenchange', function () { map.invalidateSize(); });

    return {
      setCompare: setCompare,
      setSwipe: function (x) { swipe.x = x; updateClip(); },
      setPrintView: setPrintView
    };
  };
})(window, document, window.L);
