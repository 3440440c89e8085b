import type { View } from '../../src-preload/contract';

/** Line icons as inline SVG: no icon font and no emoji font needed on the practice's machine. */
const PATHS: Record<View, string> = {
  agenda: 'M4 6h16v14H4zM4 10h16M8 3v4M16 3v4',
  today: 'M9 4h6v3H9zM6 5h3M15 5h3v16H6V5M9 12l2 2 4-4M9 17h6',
  patients: 'M12 12a4 4 0 1 0 0-8 4 4 0 0 0 0 8zM4 21c0-4 4-6 8-6s8 2 8 6',
  messages: 'M3 5h18v14H3zM3 6l9 7 9-7',
  calls: 'M3 7h12v10H3zM15 10l6-3v10l-6-3',
  contacts: 'M9 11a3 3 0 1 0 0-6 3 3 0 0 0 0 6zM3 19c0-3 3-5 6-5s6 2 6 5M17 11a2.5 2.5 0 1 0 0-5M18 14c2 .5 3 2 3 5',
  callLog: 'M5 4h4l2 5-2.5 1.5a11 11 0 0 0 5 5L15 13l5 2v4a2 2 0 0 1-2 2A16 16 0 0 1 3 6a2 2 0 0 1 2-2z',
  settings:
    'M12 15a3 3 0 1 0 0-6 3 3 0 0 0 0 6zM19 12l2-1-1-3-2 .3-1.5-1.5.3-2-3-1-1 2h-2l-1-2-3 1 .3 2L5 7.3 3 7 2 10l2 1v2l-2 1 1 3 2-.3 1.5 1.5-.3 2 3 1 1-2h2l1 2 3-1-.3-2 1.5-1.5 2 .3 1-3-2-1z',
  admin: 'M4 21V8l8-5 8 5v13zM9 21v-6h6v6M12 8v4M10 10h4',
  account:
    'M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18zM12 12a3 3 0 1 0 0-6 3 3 0 0 0 0 6zM6.5 18c1-2.5 3-3.5 5.5-3.5s4.5 1 5.5 3.5',
};

export function NavIcon({ view }: { view: View }) {
  return (
    <svg className="nav-icon" viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" focusable="false">
      <path
        d={PATHS[view]}
        fill="none"
        stroke="currentColor"
        strokeWidth="1.7"
        strokeLinecap="round"
        strokeLinejoin="round"
      />
    </svg>
  );
}
