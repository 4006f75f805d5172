// The instance's password rules, listed under a new-password field before anything is typed. The
// words come from the server (`GET /api/instance` → `password_rules`), which enforces the same
// rules, so the list and the check cannot drift apart.
import { useSession } from './session';

export function PasswordRules() {
  const { instance } = useSession();
  const rules = instance?.password_rules;
  if (!rules || rules.length === 0) return <>12 to 72 characters.</>;
  return (
    <>
      A password needs:
      <ul className="password-rules">
        {rules.map((rule) => (
          <li key={rule}>{rule}</li>
        ))}
      </ul>
    </>
  );
}
