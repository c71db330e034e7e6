import { useSyncExternalStore } from 'react'
import { getConnection, subscribeConnection, type ConnectionState } from '../bridge'

export function useConnection(): ConnectionState {
  return useSyncExternalStore(subscribeConnection, getConnection)
}
