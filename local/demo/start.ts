/**
 * `npm start`'s entry: the AWS SDK's notice that its releases after January 2027 need Node 22
 * (package.json pins the SDK) is printed when the SDK is first imported, so it is turned off before
 * the demo, and every process it starts, imports it.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
await import('./main.js');
