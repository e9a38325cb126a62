/**
 * A link to a block explorer: `<explorerUrl>/address/<address>` or `<explorerUrl>/tx/<hash>`,
 * the paths every Etherscan-style explorer serves (a chain's `explorerUrl`, trailing slashes
 * ignored); null when the chain has no explorer configured.
 */
export function explorerLink(explorerUrl: string | null | undefined, kind: 'address' | 'tx', id: string): string | null {
  return explorerUrl ? `${explorerUrl.replace(/\/+$/, '')}/${kind}/${id}` : null;
}
