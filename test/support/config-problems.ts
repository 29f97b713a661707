// The problems a controller configuration is refused with (the config tests' one question of validateControllerConfig).
import { validateControllerConfig } from '../../controller/app/config.js';
import { ConfigError } from '../../lib/config-error.js';

export function problems(input: unknown): { path: string; message: string; vi?: string }[] {
  try {
    validateControllerConfig(input);
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
  throw new Error('expected a ConfigError');
}
