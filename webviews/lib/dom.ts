/** An element with properties and children, in one expression: the panels build their pages from these. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<HTMLElementTagNameMap[K]> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

/** Show a line in a panel's notice area (an error in the error colour); empty text clears it. */
export function showNotice(notice: HTMLElement, text: string, level: 'info' | 'error' = 'info'): void {
  notice.textContent = text;
  notice.className = `notice ${level === 'error' ? 'error' : ''}`;
}
