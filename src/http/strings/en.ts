/**
 * Every word our pages show, one section per page. A translation is another file of the same
 * shape (`PageStrings`) added to LOCALES in page-strings.ts; templates never change.
 * `{name}` marks a value the page fills in (escaped, sometimes emphasised or linked).
 */
export const en = {
  lang: 'en',
  common: {
    brand: 'Gatehouse',
    titleSuffix: 'Gatehouse',
    anApplication: 'An application',
  },
  login: {
    title: 'Sign in',
    lead: '{client} wants you to sign in.',
    username: 'Username',
    password: 'Password',
    submit: 'Sign in',
    failed: 'Incorrect username or password. Check both and try again.',
    throttled: 'Too many failed sign-in attempts. Please try again later.',
    cancel: 'Cancel and return to {client}',
  },
  consent: {
    title: 'Allow access?',
    lead: '{client} wants to access your Gatehouse account.',
    signedInAs: 'Signed in as {username}.',
    asks: 'It asks to:',
    asksMore: 'It now also asks to:',
    newBadge: 'New',
    alreadyAllowed: 'You already allowed it to:',
    confirmAgain: 'It asks you to confirm what you already allowed:',
    resources: 'These permissions apply to:',
    allow: 'Allow',
    deny: 'Deny',
    website: 'Website',
    policy: 'Privacy policy',
    terms: 'Terms of service',
    logoAlt: 'Logo of {client}',
    fine: 'Allowing shares only what is listed here, and only with {client}.',
  },
  /** The OIDC scopes in plain words; resource servers describe their own scopes in configuration. */
  scopes: {
    openid: 'Know who you are when you sign in',
    profile: 'See your name and username',
    email: 'See your email address and whether it is verified',
    offline_access: 'Stay connected while you are away, even after you sign out, until the application ends it',
    unknown: 'Use the “{scope}” permission',
  },
  logout: {
    title: 'Sign out?',
    leadWithClient: 'You are signing out of {client}. Do you also want to sign out of Gatehouse, so that every application asks for your password again?',
    lead: 'Do you want to sign out of Gatehouse?',
    signOutEverywhere: 'Yes, sign out of Gatehouse',
    signOutClientOnly: 'No, only sign out of {client}',
    signOut: 'Yes, sign me out',
    notNow: 'If you do not want to sign out, you can close this page.',
    nextClient: 'Afterwards you go back to {client} at {host}.',
    nextHere: 'Afterwards you see a confirmation on this page.',
  },
  loggedOut: {
    title: 'Signed out',
    lead: 'You have signed out of Gatehouse.',
    leadClientOnly: 'You have signed out of {client}. You are still signed in to Gatehouse.',
    close: 'You can close this window now.',
    back: 'Back to {client}',
  },
  error: {
    code: 'Error code: {code}',
    details: 'Details: {details}',
    unavailableTitle: 'Temporarily unavailable',
    unavailable: 'We cannot complete this right now. Please try again in a moment.',
    failedTitle: 'Something went wrong',
    failed: 'We could not complete your request. Please try again.',
    notFoundTitle: 'Page not found',
    notFound: 'There is nothing at this address.',
    rejectedTitle: 'We could not continue',
    rejected: 'The request could not be completed.',
    hint: 'Go back to the application you came from and start again.',
    /** Error codes that deserve their own words instead of the generic ones. */
    byCode: {
      invalid_form: 'This form has expired or was not sent from our page. Go back and try again.',
    },
  },
  expired: {
    title: 'This page has expired',
    lead: 'For your security, a sign-in page works only for a few minutes, and this one has expired or was already used.',
    startAgain: 'Start again at {client}',
    startAgainLead: 'Nothing was lost. Start again and you will be back here in a moment.',
    noClient: 'Go back to the application you came from and sign in again.',
  },
};

export type PageStrings = typeof en;
