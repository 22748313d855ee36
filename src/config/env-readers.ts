/** A configuration value that is wrong or missing; its message is one line that names the variable. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`Invalid configuration: ${variable} ${problem}`);
    this.name = 'ConfigError';
  }
}

type Env = NodeJS.ProcessEnv;

function raw(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === '' ? undefined : value;
}

interface StringRules {
  default?: string;
  required?: boolean;
  minLength?: number;
  maxLength?: number;
  oneOf?: string[];
}

export function readString(env: Env, name: string, rules: StringRules = {}): string | undefined {
  const value = raw(env, name) ?? rules.default;
  if (value === undefined) {
    if (rules.required) throw new ConfigError(name, 'is required');
    return undefined;
  }
  if (rules.minLength !== undefined && value.length < rules.minLength) {
    throw new ConfigError(name, `must be at least ${rules.minLength} characters long`);
  }
  if (rules.maxLength !== undefined && value.length > rules.maxLength) {
    throw new ConfigError(name, `must be at most ${rules.maxLength} characters long`);
  }
  if (rules.oneOf && !rules.oneOf.includes(value)) {
    throw new ConfigError(name, `must be one of ${rules.oneOf.join(', ')} (got "${value}")`);
  }
  return value;
}

export function readInteger(env: Env, name: string, rules: { default: number; min?: number; max?: number }): number {
  const text = raw(env, name);
  if (text === undefined) return rules.default;
  if (!/^-?\d+$/.test(text)) throw new ConfigError(name, `must be a whole number (got "${text}")`);
  const value = Number(text);
  if (rules.min !== undefined && value < rules.min) throw new ConfigError(name, `must be at least ${rules.min} (got ${value})`);
  if (rules.max !== undefined && value > rules.max) throw new ConfigError(name, `must be at most ${rules.max} (got ${value})`);
  return value;
}

export function readBoolean(env: Env, name: string, fallback: boolean): boolean {
  const text = raw(env, name)?.toLowerCase();
  if (text === undefined) return fallback;
  if (['1', 'true', 'yes', 'on'].includes(text)) return true;
  if (['0', 'false', 'no', 'off'].includes(text)) return false;
  throw new ConfigError(name, `must be true or false (got "${text}")`);
}

export function readUrl(env: Env, name: string, protocols: string[]): string | undefined {
  const text = raw(env, name);
  if (text === undefined) return undefined;
  let protocol: string;
  try {
    protocol = new URL(text).protocol;
  } catch {
    throw new ConfigError(name, 'is not a valid URL');
  }
  if (!protocols.includes(protocol)) {
    throw new ConfigError(name, `must start with ${protocols.map((p) => `${p}//`).join(' or ')}`);
  }
  return text;
}

export function readList(env: Env, name: string): string[] {
  const text = raw(env, name);
  if (text === undefined) return [];
  return text
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}

const DURATION_UNITS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 };
const DURATION = /^(\d+)\s*(ms|[smhd]?)$/;

function parseDuration(name: string, text: string): number {
  const match = DURATION.exec(text);
  if (!match) throw new ConfigError(name, `must be a duration such as 900, 15m, 12h or 30d (got "${text}")`);
  return Number(match[1]) * DURATION_UNITS[match[2] || 's'];
}

/** Reads `900`, `500ms`, `90s`, `15m`, `12h` or `30d` as a number of seconds; `allowZero` lets `0` mean "off". */
export function readDuration(env: Env, name: string, rules: { default: string; allowZero?: boolean }): number {
  const seconds = parseDuration(name, raw(env, name) ?? rules.default);
  if (seconds <= 0 && !rules.allowZero) throw new ConfigError(name, 'must be longer than zero');
  return seconds;
}

/** `<bytes>/<duration>` (`8192/10s`): at least that many bytes in every such window; `0` turns it off. */
export function readRate(env: Env, name: string, rules: { default: string }): { bytes: number; windowSeconds: number } | null {
  const text = raw(env, name) ?? rules.default;
  if (text === '0') return null;
  const match = /^(\d+)\s*\/\s*(\S+)$/.exec(text);
  if (!match) throw new ConfigError(name, `must be <bytes>/<duration> such as 8192/10s, or 0 (got "${text}")`);
  const windowSeconds = parseDuration(name, match[2]);
  if (windowSeconds <= 0 || Number(match[1]) <= 0) throw new ConfigError(name, 'must have more than zero bytes in a window longer than zero');
  return { bytes: Number(match[1]), windowSeconds };
}
