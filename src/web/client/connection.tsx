import { useState } from 'preact/hooks';
import { api, ApiProblem } from './api';
import { usePageState } from './store';

/** Sends the browser to Xero's consent page (the whole window: Xero's page refuses to be framed). */
export function ReconnectButton() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const reconnect = async () => {
    setBusy(true);
    setError(null);
    try {
      const { authorizeUrl } = await api.reconnect();
      (window.top ?? window).location.href = authorizeUrl;
    } catch (err) {
      setError(err instanceof ApiProblem ? err.message : 'Could not start reconnecting; try again.');
      setBusy(false);
    }
  };
  return (
    <span class="reconnect">
      <button type="button" class="button primary" onClick={() => void reconnect()} disabled={busy}>
        {busy ? 'Opening Xero…' : 'Reconnect'}
      </button>
      {error && (
        <span class="field-error" role="alert">
          {error}
        </span>
      )}
    </span>
  );
}

/** The Xero connection, at the top of the page: the organisation, or what is wrong and the button. */
export function ConnectionBanner() {
  const { connection } = usePageState();
  if (!connection) return <p class="connection muted">Checking the Xero connection…</p>;
  switch (connection.status) {
    case 'active':
      return (
        <p class="connection ok">
          Connected to Xero: <strong>{connection.tenantName ?? connection.tenantId}</strong>
        </p>
      );
    case 'needs_reconnect':
      return (
        <div class="connection bad" role="alert">
          <p>
            <strong>Xero needs reconnecting.</strong>{' '}
            {connection.lastError ?? 'Xero no longer accepts this connection.'} Requests wait until it is
            reconnected.
          </p>
          <ReconnectButton />
        </div>
      );
    default:
      return (
        <div class="connection bad">
          <p>
            <strong>Not connected to Xero.</strong> Connect this business to Xero before syncing.
          </p>
          <ReconnectButton />
        </div>
      );
  }
}
