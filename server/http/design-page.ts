import { Router } from 'express';
import { pageBase } from './caller.ts';
import { iconSources } from './icon-set.ts';
import type { Views } from './views.ts';

/**
 * The living page of the design system (issue 17): the tokens and every
 * component of client/styles.css rendered with the real stylesheet, so a
 * change to the CSS shows here first. Public: it holds no data. Its notes
 * are for designers and developers and are in English (marked lang="en");
 * the sample components use the catalogs' own words.
 */
export function designPage(views: Views): Router {
  const router = Router();
  router.get('/design', (req, res) => {
    res.type('html').send(views.render('design', { ...pageBase(req, 'Design system'), tokens, typeScale, spacing, icons: Object.keys(iconSources) }));
  });
  return router;
}

/** Colour tokens with their contrast on white, as measured (WCAG 2.x relative luminance). */
const tokens = [
  { name: '--fg', value: '#1b1f24', use: 'Body text', ratio: '16.6:1' },
  { name: '--muted', value: '#57606a', use: 'Secondary text, hints', ratio: '6.4:1' },
  { name: '--accent', value: '#0b5cad', use: 'Links, buttons, focus of controls', ratio: '6.7:1' },
  { name: '--accent-strong', value: '#084887', use: 'Primary button hover', ratio: '9.2:1' },
  { name: '--now', value: '#116329', use: 'Live now, success notices (6.5:1 on its soft fill)', ratio: '7.4:1' },
  { name: '--next', value: '#8a5a00', use: 'Next, pending', ratio: '5.9:1' },
  { name: '--danger', value: '#b42318', use: 'Destructive buttons, errors', ratio: '6.6:1' },
  { name: '--live', value: '#c8102e', use: 'LIVE badge (white text on it: 5.9:1)', ratio: '5.9:1' },
  { name: '--control-border', value: '#6e7781', use: 'Borders of inputs and selects (non-text, needs 3:1)', ratio: '4.6:1' },
  { name: '--focus', value: '#c65d00', use: 'Focus ring (3:1 on white and on the dark stage, 4.5:1)', ratio: '4.2:1' },
];
const typeScale = ['--step--1', '--step-0', '--step-1', '--step-2', '--step-3'];
const spacing = ['--space-1', '--space-2', '--space-3', '--space-4', '--space-5', '--space-6'];
