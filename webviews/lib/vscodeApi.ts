import { decodeExtensionMessage, PROTOCOL_VERSION, type ExtensionMessage, type PanelState, type WebviewMessage } from '../../src/shared/messages';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

// acquireVsCodeApi may be called only once per page
const api = acquireVsCodeApi();

type Outgoing = WebviewMessage extends infer M ? (M extends WebviewMessage ? Omit<M, 'v'> : never) : never;

/** Post a message of the contract (the version is added here, once). */
export function post(message: Outgoing): void {
  api.postMessage({ ...message, v: PROTOCOL_VERSION });
}

/** Messages from the extension, checked against the contract; a mismatch goes to `onProblem`. */
export function onMessage(handle: (message: ExtensionMessage) => void, onProblem: (problem: string) => void): void {
  window.addEventListener('message', (event: MessageEvent) => {
    const decoded = decodeExtensionMessage(event.data);
    if (decoded.ok) handle(decoded.message);
    else onProblem(decoded.problem);
  });
}

/** What VS Code keeps for the panel across reloads (read back by the extension's serializer). */
export function saveState(state: Omit<PanelState, 'v'>): void {
  api.setState({ ...state, v: PROTOCOL_VERSION });
}
