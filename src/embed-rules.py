#!/usr/bin/env python3
"""Compile data/rules/*.rules into C: one BsRuleSpec per [pattern NAME] and
[test NAME] group, so that the binary needs no data directory at run time,
reads no file and parses no GKeyFile at start-up.

The parser follows GKeyFile (g_key_file_load_from_data, then
g_key_file_get_string) for what the rule files use, and refuses the rest
(duplicate keys or groups, localised keys, bad escapes), so that a file that
loads here loads the same through -R.  Errors name file:line and fail the
build, as --check-config would.

Usage: embed-rules.py OUTPUT.c RULEFILE...
"""
import os
import re
import sys

META = ('description', 'weight', 'target', 'encoding', 'tier')
TIERS = {'content': 'BS_TIER_CONTENT', 'server': 'BS_TIER_SERVER',
         'proof': 'BS_TIER_PROOF'}
NUMBER = re.compile(r'[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\Z')


class RuleError(Exception):
    pass


def unescape(value, where):
    """g_key_file_parse_value_as_string."""
    out = []
    i = 0
    while i < len(value):
        c = value[i]
        if c != '\\':
            out.append(c)
            i += 1
            continue
        if i + 1 >= len(value):
            raise RuleError('%s: escape character at end of line' % where)
        e = value[i + 1]
        if e not in 'sntr\\':
            raise RuleError('%s: invalid escape sequence \\%s' % (where, e))
        out.append({'s': ' ', 'n': '\n', 't': '\t', 'r': '\r',
                    '\\': '\\'}[e])
        i += 2
    return ''.join(out)


def parse(path):
    """Returns [(group, line, [(key, raw value, line)])] in file order."""
    with open(path, 'rb') as f:
        try:
            text = f.read().decode('utf-8')
        except UnicodeDecodeError as e:
            raise RuleError('%s: not UTF-8: %s' % (path, e))
    groups = []
    seen = set()
    for n, line in enumerate(text.split('\n'), 1):
        where = '%s:%d' % (path, n)
        if line.endswith('\r'):
            line = line[:-1]
        start = line.lstrip(' \t\n\r\f\v')
        if start == '' or start.startswith('#'):
            continue
        if start.startswith('['):
            end = start.find(']')
            if end < 0:
                raise RuleError('%s: invalid group name: %s' % (where, start))
            name = start[1:end]
            if name in seen:
                raise RuleError('%s: [%s] appears twice in one file'
                                % (where, name))
            seen.add(name)
            groups.append((name, n, []))
            continue
        if '=' not in start:
            raise RuleError('%s: line is not a key-value pair, group, or '
                            'comment: %s' % (where, start))
        if not groups:
            raise RuleError('%s: key file does not start with a group'
                            % where)
        key, value = start.split('=', 1)
        key = key.rstrip(' \t\n\r\f\v')
        value = value.lstrip(' \t\n\r\f\v')
        if key == '' or '[' in key or ']' in key:
            raise RuleError('%s: invalid key name: %s' % (where, key))
        keys = groups[-1][2]
        if any(k == key for k, _, _ in keys):
            raise RuleError('%s: key %s appears twice in [%s]'
                            % (where, key, groups[-1][0]))
        keys.append((key, value, n))
    return groups


def split_branches(pattern):
    """The top-level branches of pattern, each a pattern that matches on its
    own what that branch matches in the whole; [pattern] when unsure.

    One search per branch lets PCRE2 use each branch's first or required
    character to skip text; an alternation of many literals has none, so
    PCRE2 tries every position.  Splitting keeps the result of bs_rule_match:
    the earliest start wins, and at the same start the earlier branch, as
    PCRE2 tries the branches of one pattern in order."""
    prefix = ''
    body = pattern
    m = re.match(r'\(\?[a-z]+\)', body)
    if m and m.group(0) == '(?m)':
        prefix, body = m.group(0), body[m.end():]
    branches, depth, i, start = [], 0, 0, 0
    in_class = False
    while i < len(body):
        c = body[i]
        if c == '\\':
            if body[i + 1:i + 2] == 'Q':
                return [pattern]
            i += 2
            continue
        if in_class:
            if body.startswith('[:', i) and ':]' in body[i + 2:]:
                i = body.index(':]', i + 2) + 2
                continue
            if c == ']':
                in_class = False
            i += 1
            continue
        if c == '[':
            in_class = True
            i += 1
            if body[i:i + 1] == '^':
                i += 1
            if body[i:i + 1] == ']':
                i += 1
            continue
        if c == '(':
            if body.startswith('(?', i) and not body.startswith('(?:', i) \
                    and not body.startswith('(?<', i) \
                    and not body.startswith("(?'", i):
                return [pattern]           # options, lookbehind, ...
            if body.startswith('(?<=', i) or body.startswith('(?<!', i):
                pass                        # lookbehind: fine inside
            depth += 1
        elif c == ')':
            depth -= 1
        elif c == '|' and depth == 0:
            branches.append(body[start:i])
            start = i + 1
        i += 1
    branches.append(body[start:])
    if depth != 0 or in_class or len(branches) < 2 or '' in branches:
        return [pattern]
    if re.search(r'\\(?:[1-9]|g|k)|\(\*|\(\?\|', pattern):
        return [pattern]
    return [prefix + b for b in branches]


def c_str(s):
    if s is None:
        return 'NULL'
    out = []
    for b in s.encode('utf-8'):
        if b in (0x22, 0x5c):
            out.append('\\%c' % b)
        elif 0x20 <= b < 0x7f and b != 0x3f:     # '?': no trigraphs
            out.append(chr(b))
        else:
            out.append('\\%03o' % b)
    return '"%s"' % ''.join(out)


def convert(path, label, defined):
    specs = []
    for group, gline, keys in parse(path):
        origin = '%s:%d' % (label, gline)
        if group.startswith('pattern '):
            is_test, name = False, group[len('pattern '):]
        elif group.startswith('test '):
            is_test, name = True, group[len('test '):]
        else:
            raise RuleError('%s: group [%s] is neither [pattern NAME] nor '
                            '[test NAME]' % (origin, group))
        if (is_test, name) in defined:
            raise RuleError('%s: [%s] already defined at %s'
                            % (origin, group, defined[(is_test, name)]))
        defined[(is_test, name)] = origin
        meta = {}
        alts = []
        for key, raw, kline in keys:
            value = unescape(raw, '%s:%d' % (label, kline))
            if key in META:
                meta[key] = (value, kline)
            else:
                alts += [(key, b) for b in split_branches(value)]
        encoding = meta.get('encoding', ('utf8', 0))
        if encoding[0] not in ('utf8', 'bytes'):
            raise RuleError('%s:%d: encoding must be utf8 or bytes, not "%s"'
                            % (label, encoding[1], encoding[0]))
        weight = 0.0
        tier = 'content'
        if is_test:
            if 'weight' not in meta:
                raise RuleError('%s: test %s has no weight' % (origin, name))
            w, wline = meta['weight']
            if not NUMBER.match(w):
                raise RuleError('%s:%d: weight "%s" is not a number'
                                % (label, wline, w))
            weight = float(w)
            if 'tier' not in meta:
                raise RuleError('%s: test %s has no tier (proof, server or '
                                'content)' % (origin, name))
            tier, tline = meta['tier']
            if tier not in TIERS:
                raise RuleError('%s:%d: tier must be proof, server or '
                                'content, not "%s"' % (label, tline, tier))
            if tier == 'content' and weight < 0:
                raise RuleError('%s:%d: test %s is of the content tier and '
                                'may not have a negative weight'
                                % (label, wline, name))
        specs.append({
            'name': name, 'is_test': is_test, 'origin': origin,
            'description': meta.get('description', (None,))[0],
            'target': meta.get('target', (None,))[0],
            'bytes': encoding[0] == 'bytes', 'weight': weight,
            'tier': TIERS[tier],
            'alts': alts,
        })
    return specs


def main():
    out, files = sys.argv[1], sorted(sys.argv[2:], key=os.path.basename)
    defined = {}
    specs = []
    try:
        for path in files:
            specs += convert(path, '(built-in) ' + os.path.basename(path),
                             defined)
    except RuleError as e:
        sys.exit('embed-rules.py: %s' % e)
    with open(out, 'w', encoding='utf-8') as f:
        f.write('/* Generated by embed-rules.py from data/rules: do not '
                'edit. */\n#include "rules.h"\n\n')
        for i, s in enumerate(specs):
            if not s['alts']:
                continue
            f.write('static const BsRuleSpecAlt alts_%d[] = {\n' % i)
            for key, pattern in s['alts']:
                f.write('\t{ %s,\n\t  %s },\n' % (c_str(key), c_str(pattern)))
            f.write('};\n\n')
        f.write('const BsRuleSpec bs_builtin_rules[] = {\n')
        for i, s in enumerate(specs):
            f.write('\t{ %s, %s,\n\t  %s,\n\t  %s, %s, %s, %s, %d, %s, %s },\n' % (
                c_str(s['name']), c_str(s['origin']),
                c_str(s['description']), c_str(s['target']),
                repr(s['weight']), 'TRUE' if s['is_test'] else 'FALSE',
                'TRUE' if s['bytes'] else 'FALSE', len(s['alts']),
                'alts_%d' % i if s['alts'] else 'NULL', s['tier']))
        f.write('\t{ NULL, NULL, NULL, NULL, 0.0, FALSE, FALSE, 0, NULL, '
                'BS_TIER_CONTENT },\n'
                '};\n\n')
        # For bs_rules_get_set and _get_test without a hash table: sets
        # first, then tests, each by name in strcmp order.
        order = sorted(range(len(specs)), key=lambda i: (
            specs[i]['is_test'], specs[i]['name'].encode('utf-8')))
        f.write('const guint16 bs_builtin_by_name[] = {\n')
        for i in order:
            f.write('\t%d,\t/* %s */\n' % (i, specs[i]['name']))
        f.write('};\n\nconst guint bs_builtin_count = %d;\n' % len(specs))


if __name__ == '__main__':
    main()
