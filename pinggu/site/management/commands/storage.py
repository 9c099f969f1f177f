from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError

from pinggu import storage


class Command(BaseCommand):
    help = "存储管理：`pinggu storage init` 在对象存储（PINGGU_STORAGE=s3）中创建缺少的存储桶；`pinggu migrate` 也会执行这一步"

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["init"], help="init：创建缺少的存储桶")

    def handle(self, *args, action, **opts):
        if not storage.is_s3(default_storage):
            self.stdout.write("使用本地数据目录存储文件，无需初始化")
            return
        try:
            created = storage.ensure_bucket(default_storage)
        except Exception as exc:  # botocore's errors: say which bucket and why, not a traceback
            raise CommandError(f"无法创建或访问存储桶 {default_storage.bucket_name}：{exc}") from exc
        self.stdout.write(f"已创建存储桶 {default_storage.bucket_name}" if created else f"存储桶 {default_storage.bucket_name} 已存在")
