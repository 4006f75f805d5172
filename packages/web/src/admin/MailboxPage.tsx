// The local mailbox (MAIL_PROVIDER=local): mail the instance "sent", kept so it can be read here.
import { Link, useParams } from 'react-router';
import { useApi } from '../components/hooks';
import { EmptyState, ErrorState, Loading } from '../components/States';

interface MailSummary {
  id: string;
  to: string | string[];
  subject: string;
  inserted_at: string;
}

interface Mail extends MailSummary {
  from: string;
  text: string | null;
  html: string | null;
}

function recipients(to: string | string[]): string {
  return Array.isArray(to) ? to.join(', ') : to;
}

export function MailboxPage() {
  const mail = useApi<MailSummary[]>('/api/admin/mailbox');
  if (mail.loading && !mail.data) return <Loading label="Loading mail…" />;
  if (mail.error) return <ErrorState error={mail.error} onRetry={mail.reload} />;
  if (!mail.data || mail.data.length === 0) {
    return <EmptyState title="No mail has been sent yet." />;
  }
  return (
    <section className="card" aria-labelledby="mailbox-heading">
      <h2 id="mailbox-heading">Mailbox</h2>
      <table className="table">
        <thead>
          <tr>
            <th scope="col">Subject</th>
            <th scope="col">To</th>
            <th scope="col">Sent</th>
          </tr>
        </thead>
        <tbody>
          {mail.data.map((message) => (
            <tr key={message.id}>
              <td>
                <Link to={`/admin/mailbox/${message.id}`}>{message.subject}</Link>
              </td>
              <td>{recipients(message.to)}</td>
              <td>{new Date(message.inserted_at).toLocaleString()}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

export function MailPage() {
  const { mailId = '' } = useParams();
  const mail = useApi<Mail>(`/api/admin/mailbox/${encodeURIComponent(mailId)}`);
  if (mail.loading && !mail.data) return <Loading />;
  if (mail.error || !mail.data) return <ErrorState error={mail.error} onRetry={mail.reload} />;
  const message = mail.data;
  return (
    <article className="card" aria-labelledby="mail-subject">
      <p>
        <Link to="/admin/mailbox">← Mailbox</Link>
      </p>
      <h2 id="mail-subject">{message.subject}</h2>
      <dl>
        <dt>From</dt>
        <dd>{message.from}</dd>
        <dt>To</dt>
        <dd>{recipients(message.to)}</dd>
        <dt>Sent</dt>
        <dd>{new Date(message.inserted_at).toLocaleString()}</dd>
      </dl>
      {/* The text part, shown as text: links in it (confirmation, reset) stay readable and copyable. */}
      <pre className="mail-body">{message.text ?? '(no text part)'}</pre>
    </article>
  );
}
