import { ApiProperty } from '@nestjs/swagger';

/**
 * OpenAPI description of the token of a payment, refund or payout. A module of its own: the
 * payment and refund descriptions refer to each other, and a class taken from a module
 * still loading would be undefined when the other's decorators run.
 */
export class TokenResponse {
  @ApiProperty({ nullable: true, type: String, description: 'ERC-20 contract; null for the native coin.' }) address!: string | null;
  @ApiProperty({ example: 6 }) decimals!: number;
}
