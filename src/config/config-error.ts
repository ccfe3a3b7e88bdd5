/** Every bad configuration value at once, so an operator can fix them in one go. */
export class ConfigError extends Error {
  readonly code = 'ERR_CONFIG';
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}
