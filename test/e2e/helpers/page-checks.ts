import { expect } from '@jest/globals';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { DESKTOP, PHONE, type E2EBrowser } from './chromium.js';

/** Screenshots of every page a flow passes, for people to look at (git-ignored). */
export const ARTIFACTS_DIR = fileURLToPath(new URL('../../../test-artifacts/e2e/', import.meta.url));

// These run inside the page (Playwright sends their source); the DOM exists there, not here.
declare const document: any;
declare const window: any;
declare const getComputedStyle: any;

interface ContrastFailure {
  text: string;
  ratio: number;
  required: number;
  color: string;
  background: string;
}

/**
 * WCAG 2.2 §1.4.3 contrast of every visible text against the background it is drawn on (the
 * nearest opaque background up the tree, with translucent layers composited).
 */
function contrastFailures(): ContrastFailure[] {
  const parse = (value: string): number[] | undefined => {
    const match = /rgba?\(([^)]+)\)/.exec(value);
    if (!match) return undefined;
    const parts = match[1]!.split(/[\s,/]+/).filter(Boolean).map(Number);
    return [parts[0]!, parts[1]!, parts[2]!, parts[3] ?? 1];
  };
  const over = (top: number[], bottom: number[]) => [0, 1, 2].map((i) => top[i]! * top[3]! + bottom[i]! * (1 - top[3]!)).concat(1);
  const luminance = (rgb: number[]) => {
    const [r, g, b] = rgb.slice(0, 3).map((channel) => {
      const c = channel / 255;
      return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
  };
  const backgroundOf = (element: any): number[] => {
    const layers: number[][] = [];
    for (let node = element; node; node = node.parentElement) {
      const color = parse(getComputedStyle(node).backgroundColor);
      if (color && color[3]! > 0) {
        layers.push(color);
        if (color[3] === 1) break;
      }
    }
    let result = [255, 255, 255, 1];
    for (const layer of layers.reverse()) result = over(layer, result);
    return result;
  };
  const failures: ContrastFailure[] = [];
  for (const element of document.querySelectorAll('body *')) {
    const ownText = [...element.childNodes].filter((node: any) => node.nodeType === 3 && node.textContent.trim()).map((node: any) => node.textContent.trim()).join(' ');
    if (!ownText) continue;
    const style = getComputedStyle(element);
    const box = element.getBoundingClientRect();
    if (style.visibility === 'hidden' || style.display === 'none' || box.width === 0 || box.height === 0) continue;
    const background = backgroundOf(element);
    const color = over(parse(style.color)!, background);
    const [light, dark] = [luminance(color), luminance(background)].sort((a, b) => b - a);
    const ratio = (light! + 0.05) / (dark! + 0.05);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
    const required = large ? 3 : 4.5;
    if (ratio < required) failures.push({ text: ownText.slice(0, 60), ratio: Math.round(ratio * 100) / 100, required, color: style.color, background: `rgb(${background.slice(0, 3).join(', ')})` });
  }
  return failures;
}

/** What a page owes every user: a language, labels on its inputs, no sideways scrolling. */
function structure() {
  const inputs = [...document.querySelectorAll('input:not([type=hidden]), select, textarea')];
  return {
    lang: document.documentElement.lang,
    title: document.title,
    h1: document.querySelectorAll('h1').length,
    unlabelled: inputs.filter((input: any) => input.labels.length === 0 && !input.getAttribute('aria-label')).map((input: any) => input.name),
    overflow: document.documentElement.scrollWidth - window.innerWidth,
    brokenImages: [...document.images].filter((image: any) => !image.complete || image.naturalWidth === 0).map((image: any) => image.src),
  };
}

/**
 * Checks the page the browser is on and saves its screenshots (desktop, phone, phone in dark
 * mode): language, labels, one heading, loaded images, contrast in light and dark, no horizontal
 * scrolling on a phone, and no console error or CSP violation so far.
 */
export async function checkPage(browser: E2EBrowser, name: string): Promise<void> {
  const { page } = browser;
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  await page.waitForLoadState('load');
  const found = await page.evaluate(structure);
  expect({ name, lang: found.lang, h1: found.h1, unlabelled: found.unlabelled, brokenImages: found.brokenImages })
    .toEqual({ name, lang: 'en', h1: 1, unlabelled: [], brokenImages: [] });
  await shoot(page, `${name}-desktop`);

  await page.setViewportSize(PHONE);
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    const phone = await page.evaluate(structure);
    expect({ name, scheme, overflow: phone.overflow }).toEqual({ name, scheme, overflow: 0 });
    expect({ name, scheme, contrast: await page.evaluate(contrastFailures) }).toEqual({ name, scheme, contrast: [] });
    await shoot(page, `${name}-phone${scheme === 'dark' ? '-dark' : ''}`);
  }
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize(DESKTOP);
  expect({ name, problems: browser.problems }).toEqual({ name, problems: [] });
}

async function shoot(page: Page, file: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS_DIR, `${file}.png`), fullPage: true });
}
