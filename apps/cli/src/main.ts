console.error('unseen: no commands yet');
process.exit(2);
