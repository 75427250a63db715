// Entry point of the single executable (`npm run build:binary`). The asset loader comes first
// so that `__agwSeaUrl` exists before any gateway module computes a path at load time.
import './sea-assets.js';
import '../main.js';
