import { Controller, Get, Param } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequestProblem } from '@ctp/observability';
import { RegistryRecord, RegistryRepository } from '../persistence/registry.repository';

@ApiTags('registry')
@Controller('initiatives')
export class RegistryController {
  constructor(private readonly registry: RegistryRepository) {}

  @Get(':initiativeId')
  @ApiOperation({ summary: 'One initiative as the platform holds it, with its provenance and version history' })
  @ApiOkResponse({ description: 'Snapshot and provenance' })
  async get(@Param('initiativeId') initiativeId: string): Promise<RegistryRecord> {
    const record = await this.registry.findById(initiativeId);
    if (!record) throw new RequestProblem(404, `initiative ${initiativeId} is not in the registry`);
    return record;
  }
}
