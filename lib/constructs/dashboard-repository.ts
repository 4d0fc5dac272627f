import { DefaultStackSynthesizer, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { checkWholeNumber } from './prop-checks';

export interface DashboardRepositoryProps {
  /** Name of the repository; the dashboard stack's synthesizer publishes its image here. */
  readonly repositoryName: string;
  /**
   * Images kept; a lifecycle rule expires older ones (a running service keeps its own image).
   * @default 10: the last ten images
   */
  readonly keepImages?: number;
}

/**
 * The ECR repository that holds the dashboard's container images: scanned on push, immutable
 * tags, only the last few images kept. `cdk deploy` publishes the image built from
 * `dashboard-app/` straight into it (the dashboard stack's synthesizer names it as its image
 * asset repository), so this repository must exist before that stack deploys: it lives in an
 * earlier stack, and its policy lets the CDK bootstrap image-publishing role push.
 */
export class DashboardRepository extends Construct {
  public readonly repository: ecr.Repository;

  constructor(scope: Construct, id: string, props: DashboardRepositoryProps) {
    super(scope, id);
    const keepImages = props.keepImages ?? 10;
    checkWholeNumber(this.node.path, 'keepImages', keepImages, {
      min: 2,
      max: 1000,
      why: 'images a lifecycle rule keeps',
    });

    this.repository = new ecr.Repository(this, 'Repository', {
      repositoryName: props.repositoryName,
      imageScanOnPush: true,
      // Asset tags are content hashes: the same tag always means the same image.
      imageTagMutability: ecr.TagMutability.IMMUTABLE,
      encryption: ecr.RepositoryEncryption.AES_256,
      lifecycleRules: [
        { description: `Keep the last ${keepImages} images`, maxImageCount: keepImages, rulePriority: 1 },
      ],
      // Images are rebuilt from the source by `cdk deploy`; the repository itself is kept so that
      // a running service never loses its image when a stack is deleted out of order.
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // The bootstrap image-publishing role may only write to the bootstrap repository by its own
    // policy; this grant on the repository lets `cdk deploy` push the dashboard image here.
    const stack = Stack.of(this);
    // The stack's synthesizer already resolved the qualifier (its prop, the context, or the default).
    const qualifier = stack.synthesizer.bootstrapQualifier ?? DefaultStackSynthesizer.DEFAULT_QUALIFIER;
    const publishingRole = iam.Role.fromRoleName(
      this,
      'ImagePublishingRole',
      `cdk-${qualifier}-image-publishing-role-${stack.account}-${stack.region}`,
    );
    this.repository.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CdkImagePublishing',
        principals: [new iam.ArnPrincipal(publishingRole.roleArn)],
        actions: [
          'ecr:BatchCheckLayerAvailability',
          'ecr:BatchGetImage',
          'ecr:CompleteLayerUpload',
          'ecr:DescribeImages',
          'ecr:DescribeRepositories',
          'ecr:GetDownloadUrlForLayer',
          'ecr:InitiateLayerUpload',
          'ecr:PutImage',
          'ecr:UploadLayerPart',
        ],
      }),
    );
  }
}
