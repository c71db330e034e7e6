/** First run: no provider entries yet. */
export function Welcome({ onAddProvider }: { onAddProvider: () => void }) {
  return (
    <section className="welcome" aria-labelledby="welcome-title">
      <h1 id="welcome-title" className="welcome__title">
        Welcome to Keel
      </h1>
      <p className="welcome__text">
        Add a provider to start. Every session then shows exactly which provider, endpoint, model and key it runs on
        — and keeps them across restarts and config edits.
      </p>
      <button type="button" className="button button--primary button--large" onClick={onAddProvider}>
        Add provider
      </button>
      <p className="welcome__hint muted">OpenAI, Anthropic, OpenRouter, Google Gemini, Ollama, LM Studio or any OpenAI-compatible server.</p>
    </section>
  )
}
