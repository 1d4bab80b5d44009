import {
  CalendarPlus,
  Captions,
  Check,
  Clock,
  Copy,
  Download,
  Expand,
  Globe,
  Hand,
  Languages,
  LogOut,
  Mic,
  MicOff,
  Pencil,
  Radio,
  ScreenShare,
  ScreenShareOff,
  Trash2,
  UserX,
  Video,
  VideoOff,
  X,
} from 'lucide-static';

/**
 * The Lucide icons Plenary uses, by the names templates (`{{icon "mic"}}`) and
 * client code (`icon('mic')`, client/icons.ts) give them. Imported one by one so esbuild
 * bundles only these, and the server inlines the same markup.
 */
export const iconSources = {
  'calendar-plus': CalendarPlus,
  captions: Captions,
  check: Check,
  clock: Clock,
  copy: Copy,
  download: Download,
  expand: Expand,
  globe: Globe,
  hand: Hand,
  languages: Languages,
  'log-out': LogOut,
  mic: Mic,
  'mic-off': MicOff,
  pencil: Pencil,
  radio: Radio,
  'screen-share': ScreenShare,
  'screen-share-off': ScreenShareOff,
  trash: Trash2,
  'user-x': UserX,
  video: Video,
  'video-off': VideoOff,
  x: X,
} as const satisfies Record<string, string>;

export type IconName = keyof typeof iconSources;

/** Icons whose drawing points along the reading direction: mirrored in right-to-left pages (CSS, `.icon-directional`). */
const directional: ReadonlySet<IconName> = new Set<IconName>(['log-out']);

export function isIconName(name: unknown): name is IconName {
  return typeof name === 'string' && Object.hasOwn(iconSources, name);
}

/**
 * The inline SVG of an icon: decorative (hidden from assistive technology and
 * from tab order), sized and coloured by CSS (no width/height, no style
 * attribute, which the CSP would refuse). An unknown name is a programming
 * error and throws rather than rendering nothing.
 */
export function iconMarkup(name: string): string {
  if (!isIconName(name)) throw new Error(`unknown icon "${name}" (known: ${Object.keys(iconSources).join(', ')})`);
  const classes = `icon icon-${name}${directional.has(name) ? ' icon-directional' : ''}`;
  return iconSources[name]
    .trim()
    // No whitespace between elements: it would be text inside the button beside its label.
    .replace(/>\s+</g, '><')
    .replace(/\s+/g, ' ')
    .replace(/<svg [^>]*>/, (open) =>
      open
        .replace(/\s(class|width|height)="[^"]*"/g, '')
        .replace(/^<svg/, `<svg class="${classes}" aria-hidden="true" focusable="false"`)
        .replace(/\s+>$/, '>'),
    );
}

