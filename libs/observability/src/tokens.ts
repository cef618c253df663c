export const LOGGER = Symbol('CTP_LOGGER');
export const SERVICE_NAME = Symbol('CTP_SERVICE_NAME');
