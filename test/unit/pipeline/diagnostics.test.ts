import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validate, type LocatedDiagnostic, type LocatedFix } from '../../../src/core/pipeline/service';
import { describe, loadCases, toValidationContext, type ExpectedDiagnostic } from './cases';

const cases = loadCases();

test('there are at least 60 diagnostic cases', () => {
  assert.ok(cases.length >= 60, `only ${cases.length} cases`);
});

function matches(actual: ExpectedDiagnostic, expected: ExpectedDiagnostic): boolean {
  return actual.code === expected.code && actual.range === expected.range && actual.severity === expected.severity && actual.message.includes(expected.message);
}

function applyFix(text: string, fix: LocatedFix): string {
  // edits of one fix never overlap: apply them from the end so earlier offsets stay valid
  return [...fix.edits].sort((a, b) => b.span.start - a.span.start).reduce((t, e) => t.slice(0, e.span.start) + e.newText + t.slice(e.span.end), text);
}

for (const c of cases) {
  test(`diagnostics: ${c.name}`, () => {
    const context = toValidationContext(c.context);
    const actual = validate(c.text, context);
    const described = actual.map(describe);
    const unmatched = [...described];
    for (const e of c.expected) {
      const i = unmatched.findIndex((a) => matches(a, e));
      assert.ok(i >= 0, `expected ${JSON.stringify(e)}\nactual: ${JSON.stringify(described, null, 1)}`);
      const [hit] = unmatched.splice(i, 1);
      if (e.fixes) assert.deepEqual(hit.fixes ?? [], e.fixes, `fixes of ${e.code} at ${e.range}`);
    }
    assert.deepEqual(unmatched, [], 'unexpected diagnostics');

    // the preferred quick fix of a diagnostic must make that diagnostic go away without breaking the YAML
    for (const d of actual.filter((x): x is LocatedDiagnostic & { fixes: LocatedFix[] } => !!x.fixes?.some((f) => f.preferred))) {
      const fixed = applyFix(c.text, d.fixes.find((f) => f.preferred)!);
      const after = validate(fixed, context);
      assert.ok(!after.some((a) => a.code === d.code && a.message === d.message), `fix '${d.fixes[0].title}' left ${d.code}: ${d.message}\n${fixed}`);
      assert.equal(after.filter((a) => a.code === 'syntax').length, actual.filter((a) => a.code === 'syntax').length, `fix '${d.fixes[0].title}' broke the YAML:\n${fixed}`);
    }
  });
}
