// Moved down to lib/ (the controller and the cart's other sections use them too); re-exported for existing imports.
export { ConfigError, didYouMean, showValue, type ConfigProblem } from '../../lib/config-error.js';
