// Picks variants by glob-ish patterns on scenario and variant ids, for `purple run`/`purple list`.

import { PurpleError, type OsType, type Scenario, type Variant } from '../../src/model/index.js';

export interface VariantFilter {
  scenario?: string[];
  variant?: string[];
  platform?: OsType;
}

/** `*` matches any run of characters (including `/`), `?` one character; case-sensitive. */
export function globToRegExp(pattern: string): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

function matchesAny(patterns: RegExp[], ...candidates: string[]): boolean {
  return patterns.some((p) => candidates.some((c) => p.test(c)));
}

/**
 * Variants of the catalogue in catalogue order. A variant pattern without `/` also matches the
 * variant's bare name. With `platform`, variants for other platforms are left out (callers that
 * must report them as skipped select without it). A pattern that matches nothing is bad input.
 */
export function selectVariants(scenarios: Scenario[], filter: VariantFilter = {}): Variant[] {
  const scenarioPats = (filter.scenario ?? []).map(globToRegExp);
  const variantPats = (filter.variant ?? []).map(globToRegExp);
  const all = scenarios.flatMap((s) => s.variants);

  for (const [i, raw] of (filter.scenario ?? []).entries()) {
    const re = scenarioPats[i];
    if (re && !scenarios.some((s) => re.test(s.id))) {
      throw new PurpleError('NOT_FOUND', `no scenario matches "${raw}"`, { hint: `known scenarios: ${scenarios.map((s) => s.id).join(', ')}; see \`purple list\`` });
    }
  }
  for (const [i, raw] of (filter.variant ?? []).entries()) {
    const re = variantPats[i];
    if (re && !all.some((v) => re.test(v.id) || (!raw.includes('/') && re.test(v.name)))) {
      throw new PurpleError('NOT_FOUND', `no variant matches "${raw}"`, { hint: 'patterns match `<scenario-id>/<variant-name>` or a bare name, `*` is a wildcard; see `purple list`' });
    }
  }

  return all.filter((v) => {
    if (scenarioPats.length && !matchesAny(scenarioPats, v.scenario_id)) return false;
    if (variantPats.length) {
      const ok = (filter.variant ?? []).some((raw, i) => {
        const re = variantPats[i];
        return re !== undefined && (re.test(v.id) || (!raw.includes('/') && re.test(v.name)));
      });
      if (!ok) return false;
    }
    if (filter.platform && !v.platforms.includes(filter.platform)) return false;
    return true;
  });
}
