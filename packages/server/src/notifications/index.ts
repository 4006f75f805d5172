// The notifications context: the mailer every other context sends email through, the superuser
// mailbox of the `local` provider, and failure alerts for project members.

export {
  composeProjectDigest,
  DEFAULT_DIGEST_INTERVAL_MS,
  type DigestKind,
  digestPeriod,
  type ProjectDigestOptions,
  type ProjectDigests,
  sendProjectDigests,
  startProjectDigests,
} from './digests.js';
export {
  composeDigest,
  DEFAULT_ALERT_INTERVAL_MS,
  DEFAULT_ALERT_WINDOW_MS,
  type DeliveryRound,
  deliverFailureAlerts,
  FAILURE_ALERT_STATES,
  type FailureAlertOptions,
  type FailureAlerts,
  queueFailureAlerts,
  type StartFailureAlertsOptions,
  startFailureAlerts,
} from './failure-alerts.js';
export {
  createMailer,
  formatSender,
  InvalidMailMessageError,
  MAILGUN_DEFAULT_BASE_URL,
  MailDeliveryError,
  type Mailer,
  type MailerDependencies,
  type MailMessage,
  smtpTransportOptions,
} from './mailer.js';
