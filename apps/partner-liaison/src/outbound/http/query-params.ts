/** The outbound endpoints read their query parameters with the services' one parser (@ctp/observability). */
export { QueryParams } from '@ctp/observability';
