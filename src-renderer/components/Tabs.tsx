/** A row of tabs: the selected one is announced, each has a test id `<testPrefix>-<name>`. */
export function Tabs<T extends string>({
  tabs,
  selected,
  onSelect,
  label,
  testPrefix,
}: {
  tabs: readonly T[];
  selected: T;
  onSelect: (tab: T) => void;
  /** The visible label of each tab. */
  label: (tab: T) => string;
  testPrefix: string;
}) {
  return (
    <div className="tabs" role="tablist">
      {tabs.map((name) => (
        <button
          key={name}
          type="button"
          role="tab"
          aria-selected={selected === name}
          data-testid={`${testPrefix}-${name}`}
          onClick={() => onSelect(name)}
        >
          {label(name)}
        </button>
      ))}
    </div>
  );
}
