// The notifications context: the mailer every other context sends email through, the superuser
// mailbox of the `local` provider, and failure alerts for project members.
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
