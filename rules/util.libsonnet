// Helpers shared by the alerts, recording rules, unit tests and dashboards.
{
  // Prometheus duration spelling of a number of seconds: 5400 -> "1h30m", 0.5 -> "500ms".
  duration(seconds)::
    local units = [['w', 604800000], ['d', 86400000], ['h', 3600000], ['m', 60000], ['s', 1000], ['ms', 1]];
    local ms = std.floor(seconds * 1000 + 0.5);
    assert ms >= 0 : 'negative duration %s' % seconds;
    if ms == 0 then '0s'
    else
      local step(acc, u) =
        local n = std.floor(acc.rest / u[1]);
        { rest: acc.rest - n * u[1], out: acc.out + (if n > 0 then '%d%s' % [n, u[0]] else '') };
      std.foldl(step, units, { rest: ms, out: '' }).out,

  // A PromQL selector: "{" base "," extra... "}" with empty parts left out.
  selector(base, extra=[])::
    '{' + std.join(',', std.filter(function(s) s != '', [base] + extra)) + '}',

  // Labels a series needs to match a selector string such as 'job="certwatch",env=~"a|b"'.
  // Negative matchers add nothing; =~ takes the first alternative of a literal alternation.
  selectorLabels(sel)::
    local items = std.filter(function(p) std.stripChars(p, ' ') != '', std.split(sel, ','));
    local parse(item) =
      local s = std.stripChars(item, ' ');
      local eq = std.findSubstr('=', s);
      assert std.length(eq) > 0 : 'selector %s: matcher %s has no "="' % [sel, s];
      local i = eq[0];
      local name = std.stripChars(std.substr(s, 0, i), ' !');
      local negative = i > 0 && s[i - 1] == '!';
      local regex = i + 1 < std.length(s) && s[i + 1] == '~';
      local raw = std.stripChars(std.substr(s, i + (if regex then 2 else 1), std.length(s)), ' ');
      assert std.length(raw) >= 2 && raw[0] == '"' && raw[std.length(raw) - 1] == '"' :
             'selector %s: value of %s must be double-quoted' % [sel, name];
      local value = std.substr(raw, 1, std.length(raw) - 2);
      local first = std.split(value, '|')[0];
      assert !regex || std.length(std.filter(function(ch) std.member('.*+?()[]{}^$\\', ch), std.stringChars(first))) == 0 :
             'selector %s: %s=~ must be a literal alternation for the generated tests' % [sel, name];
      if negative then {} else { [name]: if regex then first else value };
    std.foldl(function(acc, item) acc + parse(item), items, {}),

  // Renders the subset of Prometheus alert templating the mixin uses, so that the generated
  // unit tests can state the exact annotations: {{ $labels.x }}, {{ $value | humanize }},
  // {{ $value | humanizeDuration }}, {{ $value | humanizePercentage }}.
  render(template, labels, value)::
    // Split on '{' (std.split is fast; findSubstr is quadratic in jsonnet 0.18): every "{{"
    // yields an empty piece followed by " expr }}rest".
    local pieces = std.split(template, '{');
    local n = std.length(pieces);
    // pieces[i] (i >= 1) follows a '{'. An empty piece between two '{' marks "{{"; the piece
    // after it is " expr }}rest". Any other piece follows a literal '{'.
    local marker(i) = i >= 1 && i + 1 < n && pieces[i] == '';
    local expand(piece) =
      local q = std.split(piece, '}');
      assert std.length(q) >= 3 && q[1] == '' : 'malformed template expression in ' + template;
      local len = std.length(q[0]);
      assert len > 2 && q[0][0] == ' ' && q[0][len - 1] == ' ' : 'write template expressions as {{ expr }}: ' + template;
      local expr = std.substr(q[0], 1, len - 2);
      local rest = std.join('}', q[2:]);
      local out =
        if std.substr(expr, 0, 8) == '$labels.' then
          local k = std.substr(expr, 8, std.length(expr) - 8);
          if std.objectHas(labels, k) then labels[k] else ''
        else if expr == '$value | humanize' then $.humanize(value)
        else if expr == '$value | humanizeDuration' then $.humanizeDuration(value)
        else if expr == '$value | humanizePercentage' then $.humanizePercentage(value)
        else error 'template expression not supported by the test renderer: ' + expr;
      out + rest;
    pieces[0] + std.join('', [
      if marker(i) then ''
      else if i >= 2 && marker(i - 1) then expand(pieces[i])
      else '{' + pieces[i]
      for i in std.range(1, n - 1)
    ]),

  // Go's %.4g for the magnitudes the tests use (1e-4 <= |v| < 1e4).
  g4(v)::
    if v == 0 then '0'
    else
      local a = std.abs(v);
      assert a >= 1e-4 && a < 1e4 : 'g4: %s outside the range the test renderer formats' % v;
      local exp = std.floor(std.log(a) / std.log(10) + 1e-12);
      local decimals = std.max(0, 3 - exp);
      local scale = std.pow(10, decimals);
      local rounded = std.floor(a * scale + 0.5) / scale;
      // Rounding may carry into a fifth digit (9999.6 -> 10000): then %.4g switches to e-notation.
      assert rounded < 1e4 : 'g4: %s rounds out of range' % v;
      local s = std.format('%.' + decimals + 'f', rounded);
      local trimmed = if decimals > 0 then std.rstripChars(std.rstripChars(s, '0'), '.') else s;
      (if v < 0 then '-' else '') + trimmed,

  humanize(v)::
    local a = std.abs(v);
    if v == 0 then '0'
    else if a >= 1 then
      local up = std.foldl(function(acc, p) if std.abs(acc.v) >= 1000 then { v: acc.v / 1000, p: p } else acc,
                           ['k', 'M', 'G', 'T', 'P', 'E', 'Z', 'Y'], { v: v, p: '' });
      $.g4(up.v) + up.p
    else
      local down = std.foldl(function(acc, p) if std.abs(acc.v) < 1 then { v: acc.v * 1000, p: p } else acc,
                             ['m', 'u', 'n', 'p', 'f', 'a', 'z', 'y'], { v: v, p: '' });
      $.g4(down.v) + down.p,

  humanizeDuration(v)::
    if v == 0 then '0s'
    else if std.abs(v) >= 1 then
      local sign = if v < 0 then '-' else '';
      local d = std.floor(std.abs(v));
      local days = std.floor(d / 86400), hours = std.floor(d / 3600) % 24, minutes = std.floor(d / 60) % 60, seconds = d % 60;
      if days != 0 then '%s%dd %dh %dm %ds' % [sign, days, hours, minutes, seconds]
      else if hours != 0 then '%s%dh %dm %ds' % [sign, hours, minutes, seconds]
      else if minutes != 0 then '%s%dm %ds' % [sign, minutes, seconds]
      else sign + $.g4(std.abs(v)) + 's'
    else
      local down = std.foldl(function(acc, p) if std.abs(acc.v) < 1 then { v: acc.v * 1000, p: p } else acc,
                             ['m', 'u', 'n', 'p', 'f', 'a', 'z', 'y'], { v: v, p: '' });
      $.g4(down.v) + down.p + 's',

  humanizePercentage(v):: $.g4(v * 100) + '%',

  // Shortest decimal spelling that reads back as the same number: 0.013, not
  // 0.012999999999999999 (std.toString prints 17 significant digits).
  num(x)::
    if x == std.floor(x) && std.abs(x) < 1e15 then std.toString(x)
    // Near the largest double a short spelling rounds past it ('%.1g' of -1.8e308 is
    // -2e+308), and std.parseJson's overflow aborts libjsonnet.
    else if std.abs(x) >= 1e300 then std.format('%.17g', x)
    else
    local tries = [std.format('%.' + p + 'g', x) for p in std.range(1, 17)];
    local exact = [s for s in tries if std.parseJson(s) == x];
    if std.length(exact) > 0 then exact[0] else std.toString(x),

  // GitHub's anchor for a "## Name" heading.
  anchor(name):: std.asciiLower(name),
}
