import { decodeExtensionMessage, PROTOCOL_VERSION, type ExtensionMessage, type PanelState, type WebviewMessage } from '../../src/shared/messages';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

// acquireVsCodeApi may be called only once per page
const api = acquireVsCodeApi();

/** A message of a panel's contract without its version (added here, once). */
export type Unversioned<M> = M extends unknown ? Omit<M, 'v'> : never;

type Decoded<T> = { ok: true; message: T } | { ok: false; problem: string };

/** Post a message of a panel's contract. */
export function postMessage<M extends { v: number }>(message: Unversioned<M>): void {
  api.postMessage({ ...message, v: PROTOCOL_VERSION });
}

/** The experiments panel's messages. */
export function post(message: Unversioned<WebviewMessage>): void {
  postMessage<WebviewMessage>(message);
}

/** Messages from the extension, checked with the panel's decoder; a mismatch goes to `onProblem`. */
export function onPanelMessage<M>(decode: (value: unknown) => Decoded<M>, handle: (message: M) => void, onProblem: (problem: string) => void): void {
  window.addEventListener('message', (event: MessageEvent) => {
    const decoded = decode(event.data);
    if (decoded.ok) handle(decoded.message);
    else onProblem(decoded.problem);
  });
}

/** The experiments panel's messages from the extension. */
export function onMessage(handle: (message: ExtensionMessage) => void, onProblem: (problem: string) => void): void {
  onPanelMessage(decodeExtensionMessage, handle, onProblem);
}

/** What VS Code keeps for a panel across reloads (read back by the extension's serializer). */
export function savePanelState<S extends { v: number }>(state: Omit<S, 'v'>): void {
  api.setState({ ...state, v: PROTOCOL_VERSION });
}

/** The experiments panel's state. */
export function saveState(state: Omit<PanelState, 'v'>): void {
  savePanelState<PanelState>(state);
}
