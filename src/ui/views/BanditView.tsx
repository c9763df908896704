// Placeholder: the bandit lab arrives with its own issue.
export function BanditView() {
  return (
    <div className="view bandit-view">
      <h2>Bandit lab — coming</h2>
      <p className="coming" role="status">
        This page is a placeholder: the bandit lab’s page (the paper’s bandit abstraction, simulated, with alignment measured) arrives with its own issue.
        Until then, run it from the command line: <code>npm run -s vspo -- bandit --json</code> (one comparison of VSPO and GRPO) or{' '}
        <code>npm run -s vspo -- bandit --sweep --json</code> (over alignment).
      </p>
    </div>
  );
}
