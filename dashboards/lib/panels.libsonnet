// A small Grafana panel library (no grafonnet): dashboards, template variables, and the four
// panel kinds certwatch uses. Every panel and query references the datasource through the
// ${datasource} template variable; ids and gridPos are assigned by `dashboard` from rows.
{
  local ds = { type: 'prometheus', uid: '${datasource}' },

  target(expr, legend='', instant=false, format='time_series'):: {
    datasource: ds,
    expr: expr,
    legendFormat: legend,
    instant: instant,
    range: !instant,
    format: format,
  },

  // Threshold steps from [[color, from], ...]; the first step has no lower bound.
  thresholds(steps):: {
    mode: 'absolute',
    steps: [{ color: steps[0][0], value: null }] + [{ color: s[0], value: s[1] } for s in steps[1:]],
  },

  local base(type, title, targets, description, unit, thresholds, w, h) = {
    type: type,
    title: title,
    description: description,
    datasource: ds,
    targets: [t { refId: std.char(std.codepoint('A') + i) } for i in std.range(0, std.length(targets) - 1) for t in [targets[i]]],
    fieldConfig: {
      defaults: {
        unit: unit,
        thresholds: if thresholds == null then $.thresholds([['green', null]]) else thresholds,
        color: { mode: if thresholds == null then 'palette-classic' else 'thresholds' },
      },
      overrides: [],
    },
    options: {},
    w:: w,
    h:: h,
  },

  stat(title, expr, description='', unit='none', thresholds=null, w=6, h=4)::
    base('stat', title, [$.target(expr, instant=true)], description, unit, thresholds, w, h) {
      options: { reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false }, colorMode: 'value', graphMode: 'none', textMode: 'auto' },
    },

  timeseries(title, targets, description='', unit='none', w=12, h=8)::
    base('timeseries', title, targets, description, unit, null, w, h) {
      options: { legend: { displayMode: 'table', placement: 'bottom', calcs: ['lastNotNull', 'max'] }, tooltip: { mode: 'multi', sort: 'desc' } },
    },

  bargauge(title, expr, legend, description='', unit='none', thresholds=null, w=12, h=8, min=null, max=null)::
    base('bargauge', title, [$.target(expr, legend, instant=true)], description, unit, thresholds, w, h) {
      fieldConfig+: { defaults+: { [if min != null then 'min']: min, [if max != null then 'max']: max } },
      options: { orientation: 'horizontal', displayMode: 'gradient', showUnfilled: true, reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false } },
    },

  // An instant-query table; `hide` lists columns to drop, `rename` renames the rest,
  // `matrix` pivots {row, column} labels into a grid (resolver × name). With several
  // expressions (a list) their rows are merged on common labels and the value columns are
  // "Value #A", "Value #B", ...; `overrides` styles single columns.
  // noValue: what Grafana shows instead of "No data" when the query returns no rows (a table
  // of problems is empty in a healthy fleet, and should say so).
  table(title, expr, description='', unit='none', thresholds=null, hide=[], rename={}, sortBy=null, mappings=[], matrix=null, overrides=[], w=24, h=8, noValue=null)::
    local exprs = if std.isArray(expr) then expr else [expr];
    base('table', title, [$.target(e, instant=true, format='table') for e in exprs], description, unit, thresholds, w, h) {
      fieldConfig+: {
        defaults+: { mappings: mappings, custom: { displayMode: if thresholds == null && mappings == [] then 'auto' else 'color-background' } } + (if noValue != null then { noValue: noValue } else {}),
        overrides: overrides,
      },
      options: { showHeader: true, [if sortBy != null then 'sortBy']: [{ displayName: sortBy, desc: false }] },
      transformations:
        (if std.length(exprs) > 1 then [{ id: 'merge', options: {} }] else []) +
        (if matrix != null then [{ id: 'groupingToMatrix', options: { columnField: matrix.column, rowField: matrix.row, valueField: 'Value' } }] else
           [{ id: 'organize', options: { excludeByName: { [k]: true for k in ['Time', '__name__'] + hide }, renameByName: rename } }]),
    },

  // A column override: by display name, set properties (e.g. mappings, thresholds).
  columnOverride(name, properties):: {
    matcher: { id: 'byName', options: name },
    properties: [{ id: k, value: properties[k] } for k in std.objectFields(properties)],
  },

  // Value mappings 1/0 -> text + colour.
  boolMappings(onText, offText, onColor='green', offColor='red'):: [{
    type: 'value',
    options: {
      '1': { text: onText, color: onColor, index: 0 },
      '0': { text: offText, color: offColor, index: 1 },
    },
  }],

  datasourceVariable(default):: {
    name: 'datasource',
    label: 'Data source',
    type: 'datasource',
    query: 'prometheus',
    current: { selected: true, text: default, value: default },
    hide: 0,
    refresh: 1,
    regex: '',
  },

  queryVariable(name, label, query):: {
    name: name,
    label: label,
    type: 'query',
    datasource: ds,
    query: { query: query, refId: 'PrometheusVariableQueryEditor-VariableQuery' },
    definition: query,
    includeAll: true,
    allValue: '.*',
    multi: true,
    current: { selected: true, text: ['All'], value: ['$__all'] },
    refresh: 2,
    sort: 1,
    hide: 0,
    regex: '',
  },

  // rows: [[panel, ...], ...]; panels of a row share its top and are laid left to right.
  dashboard(uid, title, description, variables, rows, tags=['certwatch'])::
    local placed = std.foldl(
      function(acc, row)
        local h = std.foldl(function(m, p) std.max(m, p.h), row, 0);
        local cells = std.foldl(
          function(r, p) { x: r.x + p.w, out: r.out + [p { gridPos: { x: r.x, y: acc.y, w: p.w, h: p.h } }] },
          row, { x: 0, out: [] }
        );
        assert cells.x <= 24 : '%s: a row is %d columns wide (max 24)' % [title, cells.x];
        { y: acc.y + h, out: acc.out + cells.out },
      rows, { y: 0, out: [] }
    ).out;
    {
      uid: uid,
      title: title,
      description: description,
      tags: tags,
      editable: true,
      graphTooltip: 1,
      schemaVersion: 36,
      version: 1,
      time: { from: 'now-24h', to: 'now' },
      refresh: '1m',
      timezone: '',
      annotations: { list: [] },
      links: [{ title: 'certwatch dashboards', type: 'dashboards', tags: ['certwatch'], asDropdown: true, includeVars: true, keepTime: true }],
      templating: { list: variables },
      panels: [placed[i] { id: i + 1 } for i in std.range(0, std.length(placed) - 1)],
    },
}
