/* geoplan review map (MIT): what tooltips and popups say. GeoplanReview.content(ctx)
 * returns the functions Leaflet calls with a layer (its gpIndex is the row of
 * its section) and those the search opens. Every text is a catalogue text
 * (ctx.T.t); data texts are set with textContent only.
 */
(function (window, document, L) {
  'use strict';
  var GR = window.GeoplanReview = window.GeoplanReview || {};
  var U_ = GR.util, el = U_.el, kvRow = U_.kvRow, isNum = U_.isNum;

  GR.content = function (ctx) {
    var T = ctx.T, t = T.t, data = ctx.data, U = ctx.U, O = ctx.O, G = ctx.G, R = ctx.R, S = ctx.S, A = ctx.A, F = ctx.F;
    var NO_POLYGON = t('no_polygon');

    // Every area of a schematic map is labelled as such (the cells are made up).
    function areaLabel(key) {
      return data.schematic ? t('schematic_area', { label: t(key) }) : t(key);
    }

    function unitSub(i) {
      return t('code', { code: U.code[i] }) + (U.parent[i] ? ' \u00b7 ' + U.parent[i] : '');
    }

    function unitRef(k) {
      return U.code[k] + ' ' + U.name[k] + (U.parent[k] ? ' (' + U.parent[k] + ')' : '');
    }

    // The reason a check flags the declared figures of unit i (declared.py), or null.
    function declaredNote(i) {
      var flag = U.declFlag ? U.declFlag[i] : null;
      if (!flag) return null;
      var others = (U.declWith && U.declWith[i] || []).map(unitRef).join('; ');
      var ratio = isNum(U.area[i]) && U.area[i] > 0 && isNum(U.areaDeclared[i]) ? U.areaDeclared[i] / U.area[i] : null;
      return {
        flag: flag,
        warn: flag !== 'source',
        text: t('declared_' + flag, {
          others: others, n: T.fmt(U.nMissing ? U.nMissing[i] : null),
          ratio: ratio === null ? '' : T.fmt(ratio >= 1 ? ratio : 1 / ratio, 1)
        })
      };
    }

    function populationRows(table, i) {
      kvRow(table, t('population'), T.fmt(U.pop[i]));
      if (U.popLower && U.popLower[i] !== U.popUpper[i]) {
        kvRow(table, t('population_bounds'), t('bounds', { low: T.fmt(U.popLower[i]), high: T.fmt(U.popUpper[i]) }));
      }
      if (U.popEstimate) kvRow(table, t('population_estimate'), T.fmt(U.popEstimate[i]));
      if (isNum(U.popDeclared[i])) kvRow(table, t('population_declared'), T.fmt(U.popDeclared[i]));
    }

    function unitTooltip(layer) {
      var i = layer.gpIndex, d = el('div', 'gp-tt');
      el('div', 'gp-tt-name', U.name[i], d);
      el('div', 'gp-tt-sub', unitSub(i), d);
      var tb = el('table', 'gp-kv', null, d), note = declaredNote(i);
      kvRow(tb, data.schematic ? areaLabel('area') : t('area_computed'), T.km2(U.area[i]), 'gp-area-computed');
      var declared = kvRow(tb, t('area_declared'), isNum(U.areaDeclared[i]) ? T.km2(U.areaDeclared[i]) : '\u2013', 'gp-area-declared');
      if (note && note.warn) el('span', 'gp-warn', ' \u26a0', declared.cells[1]).title = note.text;
      if (isNum(U.areaDiff[i]) && !data.schematic) kvRow(tb, t('computed_minus_declared'), T.pct(U.areaDiff[i]));
      populationRows(tb, i);
      kvRow(tb, t('density'), isNum(U.density[i]) ? t('per_km2', { value: T.fmt(U.density[i]) }) : '\u2013');
      if (isNum(U.nMembers[i])) {
        var flags = [];
        if (U.nApprox[i] > 0) flags.push(T.n('n_approximate', U.nApprox[i]));
        if (U.nInferred[i] > 0) flags.push(T.n('n_inferred', U.nInferred[i]));
        kvRow(tb, t('old_units'), T.fmt(U.nMembers[i]) + (flags.length ? ' (' + flags.join(', ') + ')' : ''), 'gp-wrap');
      }
      if (note) el('div', note.warn ? 'gp-declared-note gp-warn-text' : 'gp-declared-note', (note.warn ? '\u26a0 ' : '') + note.text, d);
      el('div', 'gp-hint', G ? t('click_for_lineage') : '', d);
      return d;
    }

    function linkWord(link) {
      return t('link_' + (link === 'full' || link === 'partial' || link === 'inferred' ? link : 'other'), { link: link });
    }

    function linkNotes(g, ofUnit) {
      var notes = [];
      if (ofUnit && ctx.apartRows[ctx.apartKey(G.unit[g], G.oldCode[g], G.oldName[g])]) notes.push(t('note_apart'));
      if (G.approx[g]) notes.push(t('note_approximate'));
      if (G.link[g] === 'inferred' || G.linkedBy[g] === 'inferred') notes.push(t('note_inferred'));
      if (G.linkedBy[g] === 'none') notes.push(t('note_no_old_polygon'));
      else if (G.assigned[g] === 0) notes.push(t('note_went_elsewhere'));
      if (G.linkedBy[g] && ['code', 'inferred', 'none'].indexOf(G.linkedBy[g]) < 0) notes.push(t('note_linked_by', { how: G.linkedBy[g] }));
      return notes.join(', ');
    }

    function lineageTable(rows, parent, showNew) {
      var tb = el('table', 'gp-lin', null, parent);
      var h = el('tr', null, null, el('thead', null, null, tb));
      [showNew ? t('new_unit') : t('old_unit'), showNew ? t('province') : t('old_parent'), t('link'), t('notes'),
        areaLabel('area_km2'), t('pop_short')].forEach(function (c) { el('th', null, c, h); });
      var body = el('tbody', null, null, tb);
      rows.forEach(function (g) {
        var tr = el('tr', (G.approx[g] ? 'gp-approx ' : '') + (G.link[g] === 'inferred' ? 'gp-inferred' : ''), null, body);
        if (showNew) {
          el('td', null, (G.newName[g] || '') + ' (' + G.newCode[g] + ')', tr);
          el('td', null, G.unit[g] >= 0 ? U.parent[G.unit[g]] : '', tr);
        } else {
          el('td', null, (G.oldName[g] || '?') + (G.oldCode[g] ? ' (' + G.oldCode[g] + ')' : ''), tr);
          el('td', null, G.oldParent[g] || '', tr);
        }
        el('td', 'gp-link-' + U_.fold(G.link[g]), linkWord(G.link[g]), tr);
        el('td', null, linkNotes(g, !showNew), tr);
        el('td', 'gp-num', isNum(G.area[g]) ? T.fmt(G.area[g], 2) : '\u2013', tr);
        el('td', 'gp-num', T.fmt(G.pop[g]), tr);
      });
      return tb;
    }

    function unitPopup(layer) {
      var i = layer.gpIndex, d = el('div', 'gp-popup'), rows = ctx.linByUnit[i] || [];
      el('div', 'gp-tt-name', U.name[i], d);
      el('div', 'gp-tt-sub', unitSub(i), d);
      var note = declaredNote(i);
      if (note) el('p', note.warn ? 'gp-declared-note gp-warn-text' : 'gp-declared-note', (note.warn ? '\u26a0 ' : '') + note.text, d);
      if (!G) {
        el('p', null, t('no_lineage'), d);
      } else if (!rows.length) {
        el('p', null, t('no_old_unit_linked'), d);
      } else {
        var full = 0, part = 0, inf = 0;
        rows.forEach(function (g) {
          if (G.link[g] === 'full') full++;
          else if (G.link[g] === 'partial') part++;
          else inf++;
        });
        el('p', null, T.n('formed_from', rows.length, { whole: T.fmt(full), part: T.fmt(part) }) +
          (inf ? T.t('formed_inferred', { n: T.fmt(inf) }) : ''), d);
        lineageTable(rows, d, false);
      }
      return d;
    }

    function oldInfo(name, code, district, parent, d) {
      el('div', 'gp-tt-name', name, d);
      var sub = [];
      if (code) sub.push(t('old_code', { code: code }));
      if (district) sub.push(district);
      if (parent) sub.push(parent);
      el('div', 'gp-tt-sub', sub.join(' \u00b7 '), d);
    }

    function target(g) {
      return t('target', { name: G.newName[g] || '', code: G.newCode[g], link: linkWord(G.link[g]) });
    }

    // the new unit the polygon went into first, then the other new units its
    // old unit is divided among
    function wentTo(j) {
      var rows = ctx.oldRows(j);
      if (!ctx.placed) return rows.length ? rows.map(target).join('; ') : t('not_linked_by_code');
      var u = O.unit[j], out = [];
      if (u >= 0) {
        var own = rows.filter(function (g) { return G.unit[g] === u; })[0];
        out.push(own !== undefined ? target(own) : t('target', { name: U.name[u], code: U.code[u], link: O.linkedBy[j] || t('placed') }));
      } else {
        out.push(t('not_placed'));
      }
      rows.forEach(function (g) { if (G.unit[g] !== u) out.push(t('also', { target: target(g) })); });
      return out.join('; ');
    }

    function linkedBy(j) {
      var how = O.linkedBy[j], member = ctx.memberOf(j);
      if (!how || how === 'none') return t('not_linked_to_plan');
      if (how === 'inferred') return t('inferred_longest_border');
      return member && member !== O.code[j] ? t('linked_with_plan_code', { how: how, code: member }) : how;
    }

    function oldTooltip(layer) {
      var j = layer.gpIndex, d = el('div', 'gp-tt');
      oldInfo(O.name[j], O.code[j] || ctx.memberOf(j), O.district[j], O.parent[j], d);
      var tb = el('table', 'gp-kv', null, d);
      if (isNum(O.area[j])) kvRow(tb, areaLabel('area'), T.km2(O.area[j]));
      if (isNum(O.pop[j])) kvRow(tb, t('population'), T.fmt(O.pop[j]));
      if (G) kvRow(tb, t('went_to'), wentTo(j), 'gp-wrap');
      if (ctx.placed) kvRow(tb, t('linked_by'), linkedBy(j), 'gp-wrap');
      if (ctx.apart[j]) el('div', 'gp-apart', t('apart_check'), d);
      return d;
    }

    function oldPopup(layer) {
      var j = layer.gpIndex, d = el('div', 'gp-popup'), rows = ctx.oldRows(j);
      oldInfo(O.name[j], O.code[j] || ctx.memberOf(j), O.district[j], O.parent[j], d);
      if (ctx.placed) el('p', null, t('went_to_sentence', { target: wentTo(j), how: linkedBy(j) }), d);
      if (ctx.apart[j]) el('p', 'gp-apart', t('apart_sentence'), d);
      if (rows.length) lineageTable(rows, d, true);
      else if (!ctx.placed) el('p', null, G ? t('no_lineage_row') : t('no_lineage'), d);
      return d;
    }

    function repairPopup(layer) {
      var k = layer.gpIndex, d = el('div', 'gp-popup');
      el('div', 'gp-tt-name', t('repair_title', { kind: t('repair_' + (['gap', 'overlap', 'invalid'].indexOf(R.kind[k]) >= 0 ? R.kind[k] : 'other')) }), d);
      var tb = el('table', 'gp-kv', null, d);
      kvRow(tb, areaLabel('area'), isNum(R.areaM2[k]) ? t('m2', { value: T.fmt(R.areaM2[k]) }) : '\u2013');
      kvRow(tb, t('width'), isNum(R.width[k]) ? t('metres', { value: T.fmt(R.width[k]) }) : '\u2013');
      var rc = R.receiving[k], ri = ctx.unitByCode[rc];
      kvRow(tb, t('given_to'), rc ? rc + (ri !== undefined ? ' ' + U.name[ri] : '') : '\u2013');
      kvRow(tb, t('other_units'), R.other[k] || '\u2013');
      kvRow(tb, t('rule'), R.rule[k] || '\u2013');
      return d;
    }

    function pieceTooltip(layer) {
      var k = layer.gpIndex, d = el('div', 'gp-tt'), u = S.unit[k];
      el('div', 'gp-tt-name', t('piece_title', { old: S.oldName[k] || S.oldCode[k] || '?', new: u >= 0 ? U.name[u] : S.newCode[k] }), d);
      var tb = el('table', 'gp-kv', null, d);
      kvRow(tb, t('old_unit'), (S.oldName[k] || '') + (S.oldCode[k] ? ' (' + S.oldCode[k] + ')' : ''));
      kvRow(tb, t('new_unit'), (u >= 0 ? U.name[u] + ' ' : '') + '(' + S.newCode[k] + ')');
      kvRow(tb, areaLabel('area'), T.km2(S.area[k]));
      kvRow(tb, t('share_of_old'), isNum(S.share[k]) ? t('percent', { value: T.fmt(S.share[k], 1) }) : '\u2013');
      if (isNum(S.pop[k])) kvRow(tb, t('population'), T.fmt(S.pop[k]));
      kvRow(tb, t('basis'), S.basis[k] === 'split:reference' ? t('basis_reference') : S.basis[k] === 'split:lines' ? t('basis_lines') : S.basis[k]);
      return d;
    }

    function unitText(name, code) {
      return (name || '') + (code ? ' (' + code + ')' : '');
    }

    function auditRows(k, tb) {
      var u = A.unit[k];
      if (A.kind[k]) kvRow(tb, t('audit_kind'), A.kindKey[k] ? t('audit_kind_' + A.kindKey[k]) : A.kind[k], 'gp-wrap');
      kvRow(tb, t('old_unit'), unitText(A.oldName[k], A.oldCode[k]), 'gp-wrap');
      kvRow(tb, t('audit_plan_link'), t('audit_plan_link_value', {
        unit: unitText(A.newName[k] || (u >= 0 ? U.name[u] : ''), A.newCode[k]), link: A.link[k] ? linkWord(A.link[k]) : '\u2013',
        share: T.fmt(A.held[k], 1) }), 'gp-wrap');
      if (A.foundCode[k]) {
        kvRow(tb, t('audit_found'), t('audit_found_value', { unit: unitText(A.foundName[k], A.foundCode[k]), share: T.fmt(A.found[k], 1) }), 'gp-wrap');
      }
      if (isNum(A.atStake[k])) kvRow(tb, t('audit_at_stake'), T.km2(A.atStake[k]));
      if (A.verdict[k]) {
        var v = ['plan', 'linking', 'resolution'].indexOf(A.verdict[k]) >= 0 ? t('audit_verdict_' + A.verdict[k]) : A.verdict[k];
        kvRow(tb, t('audit_verdict'), v, 'gp-wrap');
      }
      (A.more[k] || []).forEach(function (pair) { kvRow(tb, pair[0], pair[1], 'gp-wrap'); });
    }

    function auditTooltip(layer) {
      var d = el('div', 'gp-tt');
      el('div', 'gp-tt-name', t('audit_title'), d);
      auditRows(layer.gpIndex, el('table', 'gp-kv', null, d));
      return d;
    }

    function auditPopup(layer) {
      var d = el('div', 'gp-popup');
      el('div', 'gp-tt-name', t('audit_title'), d);
      auditRows(layer.gpIndex, el('table', 'gp-kv', null, d));
      return d;
    }

    function referenceTooltip(layer) {
      var k = layer.gpIndex, d = el('div', 'gp-tt');
      el('div', 'gp-tt-name', F.name[k] || F.code[k] || '', d);
      el('div', 'gp-tt-sub', t('reference_sub', { code: F.code[k] || '\u2013' }), d);
      return d;
    }

    function noPolygonPopup(e) {
      var d = el('div', 'gp-popup');
      el('div', 'gp-tt-name', e.name, d);
      el('div', 'gp-tt-sub', t('code', { code: e.code }) + (e.parent ? ' \u00b7 ' + e.parent : ''), d);
      el('p', 'gp-no-polygon', e.rows.length ? t('plan_unit_no_polygon_rows') : t('plan_unit_no_polygon'), d);
      if (e.rows.length) lineageTable(e.rows, d, false);
      return d;
    }

    function lineagePopup(e) {
      var d = el('div', 'gp-popup');
      oldInfo(e.name, e.code, '', e.sub, d);
      el('p', null, t('old_without_polygon'), d);
      var lost = e.rows.filter(function (g) { return G.unit[g] < 0; }).map(function (g) {
        return (G.newName[g] || '?') + ' (' + G.newCode[g] + ')';
      });
      if (lost.length) el('p', 'gp-no-polygon', T.n('went_to_no_polygon', lost.length, { units: lost.join(', ') }), d);
      el('p', null, lost.length ? t('its_lineage') : t('it_went_to'), d);
      lineageTable(e.rows, d, true);
      return d;
    }

    function provincePopup(p, units) {
      var d = el('div', 'gp-popup'), area = 0, pop = 0, approx = 0;
      units.forEach(function (i) {
        if (isNum(U.area[i])) area += U.area[i];
        if (isNum(U.pop[i])) pop += U.pop[i];
        if (U.approx[i]) approx++;
      });
      el('div', 'gp-tt-name', ctx.P.name[p], d);
      el('div', 'gp-tt-sub', t('code', { code: ctx.P.code[p] }), d);
      var tb = el('table', 'gp-kv', null, d);
      kvRow(tb, t('province_units'), T.fmt(units.length));
      kvRow(tb, areaLabel('area'), T.km2(area));
      kvRow(tb, t('population'), T.fmt(pop));
      if (approx) kvRow(tb, t('approximate_units'), T.fmt(approx));
      return d;
    }

    return {
      NO_POLYGON: NO_POLYGON, areaLabel: areaLabel, unitTooltip: unitTooltip, unitPopup: unitPopup,
      oldTooltip: oldTooltip, oldPopup: oldPopup, repairPopup: repairPopup, pieceTooltip: pieceTooltip,
      auditTooltip: auditTooltip, auditPopup: auditPopup, referenceTooltip: referenceTooltip,
      noPolygonPopup: noPolygonPopup, lineagePopup: lineagePopup, provincePopup: provincePopup,
      lineageTable: lineageTable, declaredNote: declaredNote
    };
  };
})(window, document, window.L);
