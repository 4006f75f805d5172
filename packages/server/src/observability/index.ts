// Observability: Prometheus metrics (this context's registry, `/metrics`, the run-queue gauges).
export {
  createErrorReporter,
  type ErrorContext,
  type ErrorReporter,
  RELEASE,
  reportErrorLogs,
} from './error-reporter.js';
export { readDashboards, type UploadResult, uploadDashboards } from './grafana-upload.js';
export {
  collectProcessMetrics,
  createServerMetrics,
  type ServerMetrics,
  type ServerMetricsOptions,
} from './metrics.js';
export { registerObservabilityRoutes } from './routes.js';
export {
  computeRunQueueValues,
  type RunQueueValues,
  refreshRunQueueValues,
  startRunQueueMetrics,
} from './run-queue-metrics.js';
export { generateUsageReport, hashUuid, type UsageReport } from './usage-report.js';
export {
  generateMissingReports,
  startUsageTracking,
  submitPendingReports,
} from './usage-tracking.js';
