// An entry's price table (config.json `prices`): per model, input / cached input / output per million tokens.
// Typed prices are the user's; prices from the provider's model list (OpenRouter's) are marked as such and are
// refreshed by "Fetch listed prices", which lists the models again. No other price is ever filled in.
import { useEffect, useState } from 'react'
import type { KeelErrorData, ProviderEntryView } from '../../../../shared/domain'
import type { ModelPrice } from '../../../../shared/usage'
import { call } from '../../bridge'
import { toErrorData } from '../../errors'
import { ErrorNote } from '../ErrorNote'
import { useNotify } from '../Notices'

type Draft = { model: string; input: string; cachedInput: string; output: string }
const EMPTY: Draft = { model: '', input: '', cachedInput: '', output: '' }

function parsePrice(text: string): number | null {
  const t = text.trim()
  if (!/^\d+(\.\d+)?$/.test(t)) return null
  return Number(t)
}

export function PricesEditor({ providers }: { providers: ProviderEntryView[] }) {
  const [entryId, setEntryId] = useState(providers[0]?.id ?? '')
  const [prices, setPrices] = useState<Record<string, ModelPrice> | null>(null)
  const [draft, setDraft] = useState<Draft>(EMPTY)
  const [error, setError] = useState<KeelErrorData | null>(null)
  const [busy, setBusy] = useState(false)
  const notify = useNotify()

  useEffect(() => {
    if (!entryId && providers[0]) setEntryId(providers[0].id)
  }, [entryId, providers])
  useEffect(() => {
    if (!entryId) return
    setPrices(null)
    call('prices.get', { entryId })
      .then((r) => setPrices(r.prices))
      .catch((e: unknown) => setError(toErrorData(e)))
  }, [entryId])

  const save = async () => {
    const input = parsePrice(draft.input)
    const output = parsePrice(draft.output)
    const cachedInput = draft.cachedInput.trim() === '' ? undefined : parsePrice(draft.cachedInput)
    if (!draft.model.trim() || input === null || output === null || cachedInput === null) {
      setError({ kind: 'invalid-input', message: 'Give a model id and prices as plain numbers (per million tokens).', fix: 'For example 3 for input and 15 for output.' })
      return
    }
    setBusy(true)
    try {
      const r = await call('prices.set', { entryId, model: draft.model.trim(), price: { input, output, ...(cachedInput !== undefined ? { cachedInput } : {}) } })
      setPrices(r.prices)
      setDraft(EMPTY)
      setError(null)
      notify(`Saved the price of ${draft.model.trim()}`, 'success')
    } catch (e) {
      setError(toErrorData(e))
    } finally {
      setBusy(false)
    }
  }

  const remove = async (model: string) => {
    try {
      setPrices((await call('prices.set', { entryId, model, price: null })).prices)
    } catch (e) {
      setError(toErrorData(e))
    }
  }

  const fetchListed = async () => {
    setBusy(true)
    try {
      await call('providers.models', { entryId, refresh: true })
      const r = await call('prices.get', { entryId })
      setPrices(r.prices)
      const listed = Object.values(r.prices).filter((p) => p.source === 'provider').length
      notify(listed > 0 ? `${listed} price(s) from the provider's model list` : 'This provider’s model list states no prices', listed > 0 ? 'success' : 'info')
    } catch (e) {
      setError(toErrorData(e))
    } finally {
      setBusy(false)
    }
  }

  if (providers.length === 0) return null
  const models = Object.entries(prices ?? {}).sort(([a], [b]) => a.localeCompare(b))
  return (
    <div className="prices" role="group" aria-label="Prices">
      <h4 className="prices__title">Prices (per million tokens)</h4>
      <div className="usage__filters">
        <label className="usage__date">
          Provider{' '}
          <select value={entryId} onChange={(e) => setEntryId(e.target.value)}>
            {providers.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </select>
        </label>
        <button type="button" className="button button--small" disabled={busy || !entryId} onClick={() => void fetchListed()}>
          Fetch listed prices
        </button>
      </div>
      {error ? <ErrorNote error={error} label="Prices problem" /> : null}
      {prices && models.length === 0 ? <p className="muted">No prices for this provider: its costs show as unknown.</p> : null}
      {models.length > 0 ? (
        <table className="usage-table" aria-label="Price table">
          <thead>
            <tr>
              <th scope="col">Model</th>
              <th scope="col">Input</th>
              <th scope="col">Cached input</th>
              <th scope="col">Output</th>
              <th scope="col">From</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {models.map(([model, p]) => (
              <tr key={model}>
                <th scope="row">
                  <code>{model}</code>
                </th>
                <td>{p.input}</td>
                <td>{p.cachedInput ?? '= input'}</td>
                <td>{p.output}</td>
                <td>{p.source === 'provider' ? 'model list' : 'you'}</td>
                <td>
                  <button type="button" className="button button--small button--danger-quiet" aria-label={`Remove the price of ${model}`} onClick={() => void remove(model)}>
                    Remove
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <form
        className="prices__form"
        onSubmit={(e) => {
          e.preventDefault()
          void save()
        }}
      >
        <label>
          Model <input value={draft.model} onChange={(e) => setDraft({ ...draft, model: e.target.value })} placeholder="model id" />
        </label>
        <label>
          Input <input inputMode="decimal" value={draft.input} onChange={(e) => setDraft({ ...draft, input: e.target.value })} size={6} />
        </label>
        <label>
          Cached input <input inputMode="decimal" value={draft.cachedInput} onChange={(e) => setDraft({ ...draft, cachedInput: e.target.value })} size={6} placeholder="= input" />
        </label>
        <label>
          Output <input inputMode="decimal" value={draft.output} onChange={(e) => setDraft({ ...draft, output: e.target.value })} size={6} />
        </label>
        <button type="submit" className="button button--small" disabled={busy}>
          Save price
        </button>
      </form>
    </div>
  )
}
