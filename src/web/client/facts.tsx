import { onLinkClick, requestPath } from './router';

/** A request's "Retry of" fact, linking the request it retries (the history log and the detail both show it). */
export function RetryOfFact({ retryOf, words }: { retryOf: string; words: string }) {
  return (
    <div>
      <dt>Retry of</dt>
      <dd>
        <a href={requestPath(retryOf)} onClick={onLinkClick}>
          {words}
        </a>
      </dd>
    </div>
  );
}
